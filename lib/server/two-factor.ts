import 'server-only';
import { toString as qrCode } from 'qrcode';
import type { SignedIn } from '../auth/gatehouse';
import { base32Decode, otpauthUri, TOTP_SECRET_BYTES } from '../auth/totp';
import { TOTP_ISSUER, type TwoFactorStatus } from '../auth/two-factor';
import { hasCode } from '../edge/errors';
import { getGatehouse } from './runtime';

export type { TwoFactorStatus } from '../auth/two-factor';

/** What the account page's authenticator-app card shows: the status, and the username it is for. */
export interface TwoFactorOverview {
  readonly status: TwoFactorStatus;
  readonly username: string;
}

/**
 * Read through the two-factor service, which confirms the session in the database first. Null
 * when it has ended (the page then sends the visitor to sign in).
 */
export async function twoFactorOverview(signedIn: SignedIn): Promise<TwoFactorOverview | null> {
  const gh = await getGatehouse();
  try {
    const [status, profile] = await Promise.all([
      gh.twoFactor.status(signedIn),
      gh.account.profile(signedIn),
    ]);
    return { status, username: profile.username };
  } catch (error) {
    if (hasCode(error, 'invalid_token')) return null;
    throw error;
  }
}

/** A secret being set up, as the card shows it: typed (base32) and scanned (QR code, SVG). */
export interface EnrolmentView {
  readonly secret: string;
  readonly uri: string;
  /** SVG markup from the qrcode library: paths only, no script; rendered inline (no data: URL). */
  readonly qrSvg: string;
}

/**
 * The QR code for a secret, rendered here on the server so the page needs no script for it.
 * Null for anything that is not one of our secrets (a form's hidden field can hold anything).
 */
export async function enrolmentView(secret: string, username: string): Promise<EnrolmentView | null> {
  const bytes = /^[A-Z2-7]{32}$/.test(secret) ? base32Decode(secret) : null;
  if (!bytes || bytes.length !== TOTP_SECRET_BYTES) return null;
  const uri = otpauthUri({ secret: bytes, issuer: TOTP_ISSUER, account: username });
  const qrSvg = await qrCode(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, uri, qrSvg };
}
