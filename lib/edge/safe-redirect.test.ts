import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-redirect';

describe('safeNextPath', () => {
  it('keeps local paths with query and fragment', () => {
    expect(safeNextPath('/dashboard')).toBe('/dashboard');
    expect(safeNextPath('/admin?tab=users#top')).toBe('/admin?tab=users#top');
    expect(safeNextPath('/a/../b')).toBe('/b');
  });

  it.each([
    [undefined],
    [''],
    ['dashboard'],
    ['//evil.example'],
    ['///evil.example'],
    ['/\\evil.example'],
    ['\\\\evil.example'],
    ['/\t/evil.example'],
    ['/\n/evil.example'],
    ['https://evil.example'],
    ['http:evil.example'],
    ['javascript:alert(1)'],
    ['data:text/html,x'],
    [' /dashboard'],
    ['/' + 'a'.repeat(3000)],
    ['/.//evil.example'],
    ['/..//evil.example'],
    ['/%2e//evil.example'],
    ['/%2E%2E//evil.example'],
    ['/a/..//evil.example'],
    ['/a/b/../../..//evil.example'],
  ])('falls back for %j', (value) => {
    expect(safeNextPath(value)).toBe('/dashboard');
  });

  it('uses the given fallback', () => {
    expect(safeNextPath('//evil', '/')).toBe('/');
  });
});
