import { describe, expect, it } from 'vitest';
import { signAccessToken } from './access-token';
import { InvalidGrantError } from './errors';
import { deriveKeyring } from './keys';
import { sealRefreshToken, unsealRefreshToken } from './refresh-token';

const SECRET = 'c'.repeat(32) + '-refresh-tests';
const OTHER = 'd'.repeat(32) + '-refresh-other';
const payload = { sid: 'session-1', gen: 3, sub: 'user-1' };

async function malformed(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidGrantError);
  expect((error as InvalidGrantError).reason).toBe('malformed');
}

describe('refresh tokens', () => {
  it('round-trip and are opaque (no readable payload, different every time)', async () => {
    const ring = await deriveKeyring(SECRET);
    const a = await sealRefreshToken(ring, payload);
    const b = await sealRefreshToken(ring, payload);
    expect(a).not.toBe(b);
    expect(a).not.toContain('session-1');
    expect(Buffer.from(a, 'base64').toString('latin1')).not.toContain('session-1');
    expect(await unsealRefreshToken(ring, a)).toEqual(payload);
    expect(a.length).toBeLessThan(400);
  });

  it('from a previous secret still unseal while it is listed', async () => {
    const old = await deriveKeyring(OTHER);
    const token = await sealRefreshToken(old, payload);
    expect(await unsealRefreshToken(await deriveKeyring(SECRET, [OTHER]), token)).toEqual(payload);
    // Dropping an unrelated older secret does not renumber the remaining ones.
    const third = 'e'.repeat(40);
    expect(await unsealRefreshToken(await deriveKeyring(SECRET, [OTHER, third]), token)).toEqual(payload);
    await malformed(unsealRefreshToken(await deriveKeyring(SECRET), token));
  });

  it('are refused when missing, garbage, tampered, truncated, oversized or from another key', async () => {
    const ring = await deriveKeyring(SECRET);
    const token = await sealRefreshToken(ring, payload);
    await malformed(unsealRefreshToken(ring, undefined));
    await malformed(unsealRefreshToken(ring, ''));
    await malformed(unsealRefreshToken(ring, 'garbage'));
    await malformed(unsealRefreshToken(ring, 'Fe26.2*garbage'));
    await malformed(unsealRefreshToken(ring, 'Fe26.2**********~2'));
    await malformed(unsealRefreshToken(ring, token.slice(0, -10)));
    await malformed(unsealRefreshToken(ring, token.replace(/\*([A-Za-z0-9_-]{10})/, '*AAAAAAAAAA')));
    await malformed(unsealRefreshToken(ring, token + 'x'.repeat(2000)));
    await malformed(unsealRefreshToken(ring, await sealRefreshToken(await deriveKeyring(OTHER), payload)));
  });

  it('are refused when an access token is offered instead', async () => {
    const ring = await deriveKeyring(SECRET);
    const access = await signAccessToken(ring, { issuer: 'i', audience: 'a' }, {
      sub: 'user-1',
      sid: 'session-1',
      amr: ['pwd'],
      name: 'n',
      admin: false,
      jti: 'j',
      now: 0,
      expiresAt: 1000,
    });
    await malformed(unsealRefreshToken(ring, access));
  });
});
