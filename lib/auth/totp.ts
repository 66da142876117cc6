import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 30-second steps,
 * 6 digits, the parameters every authenticator app assumes when a QR code names no others.
 * Written out here (it is a few lines on node:crypto) rather than taken from a package.
 */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the length RFC 4226 recommends for HMAC-SHA1. */
export const TOTP_SECRET_BYTES = 20;
/** Steps either side of now a code is still accepted for: one step of clock drift. */
export const TOTP_DRIFT = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, no padding: how authenticator apps take a secret typed in. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of a base32 string, case-insensitive, padding and spaces ignored; null for
 * anything else (a character outside the alphabet, or leftover bits that are not zero).
 */
export function base32Decode(text: string): Uint8Array | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = BASE32.indexOf(char);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  // What is left must be padding bits only: otherwise two strings would name one secret.
  if (bits >= 5 || buffer !== 0) return null;
  return Uint8Array.from(out);
}

/** RFC 4226's HOTP: the code for one counter value (dynamic truncation, `digits` decimal digits). */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  message.writeUInt32BE(counter % 2 ** 32, 4);
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step `now` (ms since the epoch) falls in. */
export function totpStep(now: number, period = TOTP_PERIOD): number {
  return Math.floor(now / 1000 / period);
}

/** The code of the step `now` falls in. */
export function totpCode(secret: Uint8Array, now: number, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(now), digits);
}

/**
 * The step `code` is right for: the current one or one either side (TOTP_DRIFT), and only a
 * step after `lastStep`, so a code accepted once is refused after (RFC 6238 §5.2). Null when
 * it matches none. Every candidate is computed and compared in constant time, so the answer's
 * timing says nothing about which step (or digit) was close.
 */
export function verifyTotp(
  secret: Uint8Array,
  code: string,
  now: number,
  lastStep: number | null,
  digits = TOTP_DIGITS,
): number | null {
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const given = Buffer.from(code, 'utf8');
  const current = totpStep(now);
  let matched: number | null = null;
  for (let step = current - TOTP_DRIFT; step <= current + TOTP_DRIFT; step++) {
    const expected = Buffer.from(hotp(secret, step, digits), 'utf8');
    const same = timingSafeEqual(expected, given);
    if (same && (lastStep === null || step > lastStep)) matched = step;
  }
  return matched;
}

/**
 * The `otpauth://` URI authenticator apps read from a QR code (Google Authenticator's "Key Uri
 * Format"): label `issuer:account`, each part percent-encoded, the issuer repeated as a
 * parameter, the algorithm, digits and period spelled out.
 */
export function otpauthUri(input: { secret: Uint8Array; issuer: string; account: string }): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  const query = new URLSearchParams({
    secret: base32Encode(input.secret),
    issuer: input.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD),
  });
  // URLSearchParams writes a space as "+", which some apps show literally.
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
