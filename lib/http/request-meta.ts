import type { Keyring } from '../edge/keys';
import type { RequestMeta } from '../auth/sessions';
import { verifyInternal } from '../edge/internal-header';
import { CLIENT_ADDRESS_HEADER } from '../edge/routes';

/**
 * Where a request came from, for the sign-in limits, the audit trail and the session list.
 *
 * The address is the one Gatehouse's server (server.ts) wrote into X-Forwarded-For from the
 * socket — or from a chain vouched for by AUTH_TRUSTED_PROXIES — after discarding whatever the
 * client sent. The one exception is the middleware's own refresh call, which arrives from
 * 127.0.0.1 and carries the original client's address signed with a key only the middleware
 * and the server hold.
 */
export async function requestMeta(request: Request, keyring: Keyring, now: number): Promise<RequestMeta> {
  const relayed = await verifyInternal(keyring.macs.internal, CLIENT_ADDRESS_HEADER, request.headers.get(CLIENT_ADDRESS_HEADER), now);
  const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const ip = relayed || forwarded || null;
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
