import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessFor, isProtectedPath, loginPath, ROUTES } from '../lib/edge/routes';

/**
 * The route table (lib/edge/routes.ts) and the pages must agree, or a protected page is
 * protected only by the middleware's convenience redirect. This reads every page under app/
 * and fails when one whose path the table protects does not check for itself, or when a page
 * checks for a role the table does not give its path.
 */
function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'api' ? [] : pages(path);
    return name === 'page.tsx' ? [path] : [];
  });
}

/** app/(group)/admin/users/page.tsx → /admin/users */
function routeOf(file: string): string {
  const segments = relative('app', file)
    .split(sep)
    .slice(0, -1)
    .filter((s) => !/^\(.*\)$/.test(s));
  return `/${segments.join('/')}`;
}

describe('the route table', () => {
  const found = pages('app').map((file) => ({
    file,
    path: routeOf(file),
    source: readFileSync(file, 'utf8'),
  }));

  it('knows every page, and every entry has a page', () => {
    expect(found.length).toBeGreaterThan(0);
    const tablePaths = Object.values(ROUTES).map((r) => r.path);
    for (const { path } of found) expect(tablePaths, `add ${path} to ROUTES`).toContain(path);
    for (const path of tablePaths)
      expect(
        found.map((p) => p.path),
        `no page for ${path}`,
      ).toContain(path);
  });

  it('every protected page checks for itself, with the role the table gives it', () => {
    for (const { file, path, source } of found) {
      const access = accessFor(path);
      const checksAdmin = /\brequireAdmin\(/.test(source);
      const checksUser = /\brequireUser\(/.test(source);
      if (access === 'admin') expect(checksAdmin, `${file} must call requireAdmin()`).toBe(true);
      if (access === 'user') expect(checksUser || checksAdmin, `${file} must call requireUser()`).toBe(true);
      if (access === 'public') expect(checksUser || checksAdmin, `${file} is public in ROUTES`).toBe(false);
    }
  });

  it('protects sub-paths and nothing that merely shares a prefix', () => {
    expect(isProtectedPath('/dashboard')).toBe(true);
    expect(isProtectedPath('/dashboard/settings')).toBe(true);
    expect(accessFor('/admin/users')).toBe('admin');
    expect(isProtectedPath('/dashboards')).toBe(false);
    expect(isProtectedPath('/administrator')).toBe(false);
    expect(isProtectedPath('/')).toBe(false);
    expect(isProtectedPath('/login')).toBe(false);
  });

  it('builds the sign-in path in one way', () => {
    expect(loginPath()).toBe('/login');
    expect(loginPath('/admin?tab=users')).toBe('/login?next=%2Fadmin%3Ftab%3Dusers');
    expect(loginPath('/admin', { error: 'too_many_attempts', retry_after: '60' })).toBe(
      '/login?error=too_many_attempts&retry_after=60&next=%2Fadmin',
    );
  });
});
