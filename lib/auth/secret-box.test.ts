import { describe, expect, it } from 'vitest';
import { OTHER_SECRET, TEST_SECRET } from '../../test/helpers';
import { deriveKeyring } from '../edge/keys';
import { base64url } from '../edge/random';
import { open, seal } from './secret-box';

const SECRET = Uint8Array.from({ length: 20 }, (_, i) => i * 13 + 1);
const THIRD_SECRET = 'Zp7kW2qR9xL4vT8mC3nB6yH5dF1gJ0sQ';

describe('the secret box', () => {
  it('opens what it sealed, for the same context only; each seal is different (random IV)', async () => {
    const { boxes } = await deriveKeyring(TEST_SECRET);
    const a = await seal(boxes, SECRET, 'totp:user-1');
    const b = await seal(boxes, SECRET, 'totp:user-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(await open(boxes, a, 'totp:user-1')).toEqual(SECRET);
    expect(await open(boxes, b, 'totp:user-1')).toEqual(SECRET);
    // Copied onto another user's row, or read for another purpose: it does not open.
    expect(await open(boxes, a, 'totp:user-2')).toBeNull();
    expect(await open(boxes, a, 'other:user-1')).toBeNull();
  });

  it('holds nothing of the secret a database reader could use', async () => {
    const { boxes } = await deriveKeyring(TEST_SECRET);
    const sealed = await seal(boxes, SECRET, 'totp:user-1');
    expect(sealed).not.toContain(base64url(SECRET).slice(0, 8));
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 8));
    // Without AUTH_SECRET (any other secret), it does not open.
    expect(await open((await deriveKeyring(OTHER_SECRET)).boxes, sealed, 'totp:user-1')).toBeNull();
  });

  it('refuses any tampering: every part, each bit of the body, and malformed values', async () => {
    const { boxes } = await deriveKeyring(TEST_SECRET);
    const sealed = await seal(boxes, SECRET, 'ctx');
    const [version, kid, iv, body] = sealed.split('.') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 1;
      expect(
        await open(boxes, [version, kid, iv, flipped.toString('base64url')].join('.'), 'ctx'),
      ).toBeNull();
    }
    const ivBytes = Buffer.from(iv, 'base64url');
    ivBytes[0]! ^= 1;
    const tampered = [
      [version, kid, ivBytes.toString('base64url'), body],
      ['v2', kid, iv, body],
      [version, 'AAAAAAAA', iv, body],
      [version, kid, iv.slice(2), body],
      [version, kid, iv, body.slice(0, 10)],
      [version, kid, iv, `${body}!`],
      [version, kid, iv],
      [version, kid, iv, body, ''],
    ];
    for (const parts of tampered)
      expect(await open(boxes, parts.join('.'), 'ctx'), parts.join('.')).toBeNull();
    for (const junk of ['', '....', 'v1', 'not sealed at all'])
      expect(await open(boxes, junk, 'ctx')).toBeNull();
  });

  it('still opens what a previous AUTH_SECRET sealed after a rotation, and seals anew with the current one', async () => {
    const before = await deriveKeyring(TEST_SECRET);
    const old = await seal(before.boxes, SECRET, 'ctx');
    const rotated = await deriveKeyring(OTHER_SECRET, [TEST_SECRET]);
    expect(rotated.boxes.current.kid).not.toBe(before.boxes.current.kid);
    expect(await open(rotated.boxes, old, 'ctx')).toEqual(SECRET);
    const fresh = await seal(rotated.boxes, SECRET, 'ctx');
    expect(fresh.split('.')[1]).toBe(rotated.boxes.current.kid);
    // Once the old secret is dropped from the list, what it sealed no longer opens.
    const dropped = await deriveKeyring(THIRD_SECRET, [OTHER_SECRET]);
    expect(await open(dropped.boxes, old, 'ctx')).toBeNull();
    expect(await open(dropped.boxes, fresh, 'ctx')).toEqual(SECRET);
  });
});
