import type { RequestMeta } from '../auth/sessions';

/**
 * Where a request came from, for the audit trail and the session list. Informational only:
 * forwarded headers are whatever the client or proxy says, so nothing is ever decided on them.
 */
export function requestMeta(request: Request): RequestMeta {
  const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const ip = request.headers.get('x-real-ip')?.trim() || forwarded || null;
  const userAgent = request.headers.get('user-agent');
  return { ip: ip ? ip.slice(0, 64) : null, userAgent: userAgent ? userAgent.slice(0, 256) : null };
}

/** The token from `Authorization: Bearer …`, `null` when absent, `''` when malformed. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match ? match[1]! : '';
}
