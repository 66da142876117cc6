/**
 * Randomness is injected like the clock, so tests can make ids deterministic. The default uses
 * Web Crypto, which exists on Node and on the Edge runtime alike.
 */
export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandom: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A URL-safe random identifier with `bytes` bytes of entropy (16 bytes = 128 bits). */
export function randomId(random: RandomBytes, bytes = 16): string {
  return base64url(random(bytes));
}
