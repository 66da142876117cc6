/**
 * Every page Gatehouse knows, and who may see it: the one table the middleware, the pages and
 * every redirect read. Adding a protected page is one line here; the page itself then calls
 * requireUser() or requireAdmin() (lib/server/auth.ts), and `npm test` fails when a page and
 * this table disagree (test/route-table.test.ts). The middleware's redirect is a convenience;
 * the page's own check is the boundary (it runs even when the middleware is bypassed).
 */
export type Access = 'public' | 'user' | 'admin';

export const ROUTES = {
  home: { path: '/', access: 'public' },
  login: { path: '/login', access: 'public' },
  /** The second sign-in step: the authenticator code after a right password (lib/auth/two-factor.ts). */
  loginVerify: { path: '/login/verify', access: 'public' },
  /** Where one-time password links land (lib/auth/password-links.ts). */
  resetPassword: { path: '/reset-password', access: 'public' },
  dashboard: { path: '/dashboard', access: 'user' },
  account: { path: '/account', access: 'user' },
  admin: { path: '/admin', access: 'admin' },
  // Under /admin, so admin by the prefix rule; listed so every page is in the table.
  adminUser: { path: '/admin/users/[id]', access: 'admin' },
  adminAudit: { path: '/admin/audit', access: 'admin' },
} as const satisfies Record<string, { readonly path: `/${string}`; readonly access: Access }>;

export type RouteName = keyof typeof ROUTES;

/** Where a sign-in goes when it was not sent from a protected page. */
export const AFTER_SIGN_IN = ROUTES.dashboard.path;
/** Where a sign-out goes. */
export const AFTER_SIGN_OUT = ROUTES.home.path;

/** Who may see this path: the access of the longest table entry it is under, else public. */
export function accessFor(pathname: string): Access {
  let best: { length: number; access: Access } = { length: 0, access: 'public' };
  for (const { path, access } of Object.values(ROUTES)) {
    if (path === '/') continue; // the root covers everything; it is public
    const under = pathname === path || pathname.startsWith(`${path}/`);
    if (under && path.length > best.length) best = { length: path.length, access };
  }
  return best.access;
}

export function isProtectedPath(pathname: string): boolean {
  return accessFor(pathname) !== 'public';
}

/**
 * The sign-in page, remembering where the visitor was going (a local path; safeNextPath()
 * checks it again when it is used) and, after a refused sign-in, why.
 */
export function loginPath(next?: string | null, extra: Readonly<Record<string, string>> = {}): string {
  return withQuery(ROUTES.login.path, next, extra);
}

/** The second sign-in step's page, as loginPath. */
export function secondStepPath(next?: string | null, extra: Readonly<Record<string, string>> = {}): string {
  return withQuery(ROUTES.loginVerify.path, next, extra);
}

function withQuery(path: string, next: string | null | undefined, extra: Readonly<Record<string, string>>) {
  const query = new URLSearchParams(extra);
  if (next) query.set('next', next);
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}
