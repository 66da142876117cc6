import { createHmac } from 'node:crypto';

/**
 * Authenticator-app codes as a phone would compute them (RFC 6238: HMAC-SHA1, 30-second steps,
 * 6 digits), written out again here rather than imported from lib/auth/totp.ts: the test must
 * not share a bug with the code it checks.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function fromBase32(text: string): Buffer {
  const bits = [...text.replace(/\s/g, '').toUpperCase()]
    .map((c) => {
      const v = ALPHABET.indexOf(c);
      if (v < 0) throw new Error(`not base32: ${c}`);
      return v.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 30-second step a moment falls in. */
export const stepAt = (ms = Date.now()) => Math.floor(ms / 30_000);

/** The code for one step of a base32 secret. */
export function codeFor(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', fromBase32(secret)).update(counter).digest();
  const at = mac[19]! & 0xf;
  const value = ((mac[at]! & 0x7f) << 24) | (mac[at + 1]! << 16) | (mac[at + 2]! << 8) | mac[at + 3]!;
  return String(value % 1_000_000).padStart(6, '0');
}
