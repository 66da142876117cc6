import type { AuthConfig } from '../edge/config';

/**
 * Who Gatehouse is to an authenticator: the relying party a passkey is bound to. Its id (the
 * host name) and the origin a browser must report both come from AUTH_PUBLIC_URL, never from
 * the request: a Host header is the client's to choose, and a ceremony that trusted it would
 * accept responses made for whatever site the client named.
 */
export interface RelyingParty {
  /** The RP ID: the public URL's host name, without port ("localhost", "auth.example.com"). */
  readonly id: string;
  /** The one origin responses may come from ("https://auth.example.com", "http://localhost:3000"). */
  readonly origin: string;
  /** What authenticators show the person. */
  readonly name: string;
}

export const RP_NAME = 'Gatehouse';

export type RelyingPartySetting =
  { readonly ok: true; readonly rp: RelyingParty } | { readonly ok: false; readonly reason: string };

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * The relying party for this configuration, or why there is none. Browsers only run WebAuthn
 * on a secure origin (https, or http on localhost) whose host is a domain name, not an IP
 * address; a public URL that breaks those rules would only fail later, in every browser, so
 * passkeys are declared off with the reason instead. Without AUTH_PUBLIC_URL there is nothing
 * trustworthy to bind a passkey to; the demo always has one (http://localhost:$PORT).
 */
export function relyingPartyOf(config: Pick<AuthConfig, 'publicUrl'>): RelyingPartySetting {
  if (!config.publicUrl) return { ok: false, reason: 'passkeys need AUTH_PUBLIC_URL to be set' };
  // config.ts has already reduced it to an http(s) origin.
  const url = new URL(config.publicUrl);
  const host = url.hostname;
  if (IP_ADDRESS.test(host)) {
    return { ok: false, reason: 'passkeys need AUTH_PUBLIC_URL with a domain name, not an IP address' };
  }
  const local = host === 'localhost' || host.endsWith('.localhost');
  if (url.protocol !== 'https:' && !local) {
    return { ok: false, reason: 'passkeys need an https AUTH_PUBLIC_URL (or http://localhost)' };
  }
  return { ok: true, rp: { id: host, origin: url.origin, name: RP_NAME } };
}
