import { createHash } from 'node:crypto';
import type { RandomBytes } from '../edge/random';
import { base32Encode } from './totp';

/**
 * Recovery codes: the way back in when the authenticator app is lost. Ten at a time, each 80
 * random bits written as `xxxx-xxxx-xxxx-xxxx` (lower-case base32: no 0/1/8 to misread), shown
 * once and stored only as SHA-256. 80 random bits need no salt or slow hash (nothing to
 * guess from a leaked hash), and an unkeyed hash survives an AUTH_SECRET rotation.
 */
export const RECOVERY_CODE_COUNT = 10;
const CODE_BYTES = 10;
const CODE_CHARS = 16;
/** Generous for what a person may paste (spaces, dashes); anything longer is not a code. */
export const MAX_CODE_LENGTH = 64;

/** A fresh set: the codes to show once, and the hashes to store. */
export function newRecoveryCodes(random: RandomBytes): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    base32Encode(random(CODE_BYTES)).toLowerCase().match(/.{4}/g)!.join('-'),
  );
  return { codes, hashes: codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code)!)) };
}

/**
 * The code as stored (16 lower-case base32 characters), from what a person typed: any case,
 * dashes and spaces anywhere. Null for anything that cannot be a recovery code.
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (input.length > MAX_CODE_LENGTH) return null;
  const clean = input.replace(/[\s-]/g, '').toLowerCase();
  return clean.length === CODE_CHARS && /^[a-z2-7]+$/.test(clean) ? clean : null;
}

export function hashRecoveryCode(normalized: string): string {
  return createHash('sha256').update(`gatehouse/recovery-code\0${normalized}`, 'utf8').digest('hex');
}
