import { getScriptNonceFromHeader } from 'next/dist/server/app-render/get-script-nonce-from-header';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, createNonce } from './security-headers';

const directives = (policy: string) =>
  new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...sources]) => [name!, sources]),
  );

describe('content security policy', () => {
  const base = { nonce: createNonce(), development: false, publicUrl: null };

  it('makes a fresh 128-bit nonce each time, from the random source', () => {
    const seen = new Set(Array.from({ length: 50 }, () => createNonce()));
    expect(seen.size).toBe(50);
    const fixed = createNonce((b) => b.fill(0xfb));
    expect(fixed).toBe('+/v7+/v7+/v7+/v7+/v7+w==');
    expect(atob(fixed)).toHaveLength(16);
  });

  it('is read back by Next.js, which stamps that nonce on its scripts', () => {
    // Next.js only accepts a nonce it can parse; one it cannot is silently dropped, and every
    // page's scripts would then be blocked by our own policy.
    for (let i = 0; i < 20; i++) {
      const nonce = createNonce();
      expect(getScriptNonceFromHeader(contentSecurityPolicy({ ...base, nonce }))).toBe(nonce);
    }
  });

  it('allows scripts by nonce only: no unsafe-inline, no unsafe-eval in production, no fallback hosts', () => {
    const d = directives(contentSecurityPolicy(base));
    expect(d.get('script-src')).toEqual(["'self'", `'nonce-${base.nonce}'`, "'strict-dynamic'"]);
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(d.get('font-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d.has('upgrade-insecure-requests')).toBe(false);
    // No directive but style-src may carry unsafe-*.
    for (const [name, sources] of d) {
      if (name !== 'style-src') expect(sources.join(' '), name).not.toContain('unsafe');
    }
  });

  it("adds 'unsafe-eval' only in development", () => {
    expect(directives(contentSecurityPolicy({ ...base, development: true })).get('script-src')).toContain(
      "'unsafe-eval'",
    );
    expect(contentSecurityPolicy(base)).not.toContain('unsafe-eval');
  });

  it('upgrades insecure requests only behind an https public URL', () => {
    expect(
      directives(contentSecurityPolicy({ ...base, publicUrl: 'https://auth.example.com' })).has(
        'upgrade-insecure-requests',
      ),
    ).toBe(true);
    expect(contentSecurityPolicy({ ...base, publicUrl: 'http://localhost:3000' })).not.toContain(
      'upgrade-insecure-requests',
    );
  });

  it('refuses a nonce that could smuggle in a directive or a source', () => {
    for (const nonce of [
      "abc' 'unsafe-inline",
      'AAAAAAAAAAAAAAAAAAAAAA==; script-src *',
      'short',
      '',
      'AAAAAAAAAAAAAAAAAAAAAA== *',
    ]) {
      expect(() => contentSecurityPolicy({ ...base, nonce }), nonce).toThrow(TypeError);
    }
  });
});
