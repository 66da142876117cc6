import type { Keyring } from '../edge/keys';
import { base64url } from '../edge/random';

/**
 * Small secrets sealed at rest (an authenticator app's TOTP secret): AES-256-GCM under a key
 * derived from AUTH_SECRET (keyring.boxes), so a copy of the database alone yields nothing.
 * The sealed form names its key by id, so after a rotation the previous secret (still listed
 * in AUTH_SECRET_PREVIOUS) opens what it sealed. `context` is authenticated but not stored
 * (the owner's user id, with what the value is): a sealed value copied onto another user's row,
 * or used for another purpose, does not open.
 *
 *   v1.<key id>.<96-bit IV>.<ciphertext and 128-bit tag>   (each part base64url)
 */
type Boxes = Keyring['boxes'];

const VERSION = 'v1';
const IV_BYTES = 12;
const encoder = new TextEncoder();

export async function seal(boxes: Boxes, plaintext: Uint8Array, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: aad(boxes.current.kid, context) },
    boxes.current.key,
    plaintext as BufferSource,
  );
  return [VERSION, boxes.current.kid, base64url(iv), base64url(new Uint8Array(sealed))].join('.');
}

/**
 * The plaintext, or null when it does not open: malformed, sealed under a secret no longer in
 * the keyring, tampered with, or sealed for another context.
 */
export async function open(boxes: Boxes, sealed: string, context: string): Promise<Uint8Array | null> {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return null;
  const [, kid, ivText, bodyText] = parts as [string, string, string, string];
  const key = boxes.byId.get(kid);
  const iv = fromBase64url(ivText);
  const body = fromBase64url(bodyText);
  if (!key || !iv || iv.length !== IV_BYTES || !body) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(kid, context) },
      key,
      body as BufferSource,
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/** The version and key id are bound too: a value cannot be relabelled to another key or format. */
const aad = (kid: string, context: string) => encoder.encode(`gatehouse/box/${VERSION}\0${kid}\0${context}`);

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
