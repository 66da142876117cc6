import { SignJWT, UnsecuredJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signAccessToken, verifyAccessToken, VERIFIED_MEMO_SIZE, type SignInput } from './access-token';
import { InvalidTokenError } from './errors';
import { deriveKeyring, keyringFor, type Keyring } from './keys';
import { sealRefreshToken } from './refresh-token';

const SECRET = 'a'.repeat(32) + '-access-token-tests';
const OTHER = 'b'.repeat(32) + '-another-secret';
const policy = { issuer: 'gatehouse', audience: 'gatehouse' };
const NOW = Date.UTC(2026, 0, 1);
const input: SignInput = {
  sub: 'user-1',
  sid: 'session-1',
  name: 'Jon Doe',
  admin: true,
  amr: ['pwd'],
  jti: 'jti-1',
  now: NOW,
  expiresAt: NOW + 900_000,
};

let ring: Keyring;
beforeAll(async () => {
  ring = await keyringFor(SECRET);
});

async function rejects(token: string | undefined, reason: InvalidTokenError['reason'], now = NOW, r = ring) {
  const error = await verifyAccessToken(token, r, policy, { now }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toBe(reason);
  expect((error as InvalidTokenError).code).toBe('invalid_token');
}

/** A token with our header and claims but whatever key/alg/header the test wants. */
function forge(overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}) {
  return new SignJWT({ sid: 'session-1', name: 'Jon Doe', admin: true, ...overrides.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: ring.current.kid, ...overrides.header } as never)
    .setIssuer('gatehouse')
    .setAudience('gatehouse')
    .setSubject('user-1')
    .setJti('x')
    .setIssuedAt(NOW / 1000)
    .setExpirationTime(NOW / 1000 + 900);
}

describe('access tokens', () => {
  it('carry the header and claims of the design', async () => {
    const token = await signAccessToken(ring, policy, input);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: ring.current.kid });
    expect(decodeJwt(token)).toEqual({
      iss: 'gatehouse',
      aud: 'gatehouse',
      sub: 'user-1',
      sid: 'session-1',
      name: 'Jon Doe',
      admin: true,
      jti: 'jti-1',
      amr: ['pwd'],
      iat: NOW / 1000,
      exp: NOW / 1000 + 900,
    });
    await expect(verifyAccessToken(token, ring, policy, { now: NOW })).resolves.toMatchObject({
      sub: 'user-1',
      sid: 'session-1',
      admin: true,
    });
  });

  it('expire exactly at exp, with tolerance only when asked', async () => {
    const token = await signAccessToken(ring, policy, input);
    await expect(verifyAccessToken(token, ring, policy, { now: NOW + 899_999 })).resolves.toBeTruthy();
    await rejects(token, 'expired', NOW + 900_000);
    await expect(
      verifyAccessToken(token, ring, policy, { now: NOW + 904_000, clockTolerance: 5 }),
    ).resolves.toBeTruthy();
    await rejects(token, 'expired', NOW + 906_000);
  });

  it('derive the same kid and key for the same secret, different ones for another', async () => {
    const again = await deriveKeyring(SECRET);
    const other = await deriveKeyring(OTHER);
    expect(again.current.kid).toBe(ring.current.kid);
    expect(other.current.kid).not.toBe(ring.current.kid);
    const token = await signAccessToken(again, policy, input);
    await expect(verifyAccessToken(token, ring, policy, { now: NOW })).resolves.toBeTruthy();
  });

  it('from a previous secret verify while it is listed, and not after', async () => {
    const old = await deriveKeyring(OTHER);
    const rotated = await deriveKeyring(SECRET, [OTHER]);
    const token = await signAccessToken(old, policy, input);
    await expect(verifyAccessToken(token, rotated, policy, { now: NOW })).resolves.toBeTruthy();
    await rejects(token, 'malformed');
  });

  describe('are refused', () => {
    it('when missing, garbage, truncated or oversized', async () => {
      const token = await signAccessToken(ring, policy, input);
      await rejects(undefined, 'missing');
      await rejects('', 'missing');
      await rejects('garbage', 'malformed');
      await rejects('a.b.c', 'malformed');
      await rejects(token.slice(0, -5), 'malformed');
      await rejects(token.split('.').slice(0, 2).join('.'), 'malformed');
      await rejects(`${token}.${'x'.repeat(5000)}`, 'malformed');
    });

    it('with a tampered payload or signature', async () => {
      const token = await signAccessToken(ring, policy, input);
      const [h, p, s] = token.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      payload.admin = true;
      payload.name = 'Mallory';
      const tampered = Buffer.from(JSON.stringify(payload)).toString('base64url');
      await rejects(`${h}.${tampered}.${s}`, 'malformed');
      const flipped = s!.slice(0, -2) + (s!.endsWith('AA') ? 'BB' : 'AA');
      await rejects(`${h}.${p}.${flipped}`, 'malformed');
    });

    it('with alg "none"', async () => {
      const unsecured = new UnsecuredJWT({ sid: 's', name: 'n', admin: true })
        .setIssuer('gatehouse')
        .setAudience('gatehouse')
        .setSubject('user-1')
        .setIssuedAt(NOW / 1000)
        .setExpirationTime(NOW / 1000 + 900)
        .encode();
      await rejects(unsecured, 'malformed');
      // The same with our header fields added.
      const header = Buffer.from(
        JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: ring.current.kid }),
      ).toString('base64url');
      await rejects(`${header}.${unsecured.split('.')[1]}.`, 'malformed');
    });

    it('signed with another key, even under our kid', async () => {
      const other = await deriveKeyring(OTHER);
      await rejects(await forge().sign(other.current.key), 'malformed');
    });

    it('with another HMAC algorithm or an asymmetric one', async () => {
      const hs512 = await crypto.subtle.importKey(
        'raw',
        new Uint8Array(64),
        { name: 'HMAC', hash: 'SHA-512' },
        false,
        ['sign'],
      );
      await rejects(await forge({ header: { alg: 'HS512' } }).sign(hs512), 'malformed');
      const { privateKey } = await generateKeyPair('RS256');
      await rejects(await forge({ header: { alg: 'RS256' } }).sign(privateKey), 'malformed');
    });

    it('with the wrong typ, or none', async () => {
      await rejects(await forge({ header: { typ: 'JWT' } }).sign(ring.current.key), 'claims');
      await rejects(await forge({ header: { typ: undefined } }).sign(ring.current.key), 'claims');
    });

    it('with an unknown kid or none', async () => {
      await rejects(await forge({ header: { kid: 'someone-else' } }).sign(ring.current.key), 'malformed');
      await rejects(await forge({ header: { kid: undefined } }).sign(ring.current.key), 'malformed');
    });

    it('from another issuer or for another audience', async () => {
      const foreign = await signAccessToken(ring, { issuer: 'evil', audience: 'gatehouse' }, input);
      await rejects(foreign, 'claims');
      const elsewhere = await signAccessToken(ring, { issuer: 'gatehouse', audience: 'other-app' }, input);
      await rejects(elsewhere, 'claims');
    });

    it('with missing or mistyped claims', async () => {
      await rejects(await forge({ claims: { sid: undefined } }).sign(ring.current.key), 'claims');
      await rejects(await forge({ claims: { admin: 'true' } }).sign(ring.current.key), 'claims');
      await rejects(await forge({ claims: { name: 42 } }).sign(ring.current.key), 'claims');
    });

    it('when a refresh token is offered instead', async () => {
      const refresh = await sealRefreshToken(ring, { sid: 'session-1', gen: 0, sub: 'user-1' });
      await rejects(refresh, 'malformed');
    });
  });
});

describe('the memo of verified tokens', () => {
  afterEach(() => void vi.restoreAllMocks());
  // A fresh keyring per test: the memo belongs to one keyring.
  const fresh = () => keyringFor(SECRET);
  const hmacCalls = () => vi.spyOn(crypto.subtle, 'verify');

  it('serves the same string again without the HMAC, with the same claims', async () => {
    const r = await fresh();
    const token = await signAccessToken(r, policy, input);
    const first = await verifyAccessToken(token, r, policy, { now: NOW });
    const spy = hmacCalls();
    const again = await verifyAccessToken(token, r, policy, { now: NOW + 60_000 });
    expect(again).toEqual(first);
    expect(spy).not.toHaveBeenCalled();
  });

  it('still refuses it once expired, exactly as a first verification would', async () => {
    const r = await fresh();
    const token = await signAccessToken(r, policy, input);
    await verifyAccessToken(token, r, policy, { now: NOW });
    await rejects(token, 'expired', NOW + 900_000, r);
    // Within a clock tolerance it is still good, as jose would have it.
    const other = await signAccessToken(r, policy, { ...input, jti: 'jti-2' });
    await verifyAccessToken(other, r, policy, { now: NOW });
    await expect(
      verifyAccessToken(other, r, policy, { now: NOW + 900_000, clockTolerance: 5 }),
    ).resolves.toMatchObject({ jti: 'jti-2' });
    await rejects(other, 'expired', NOW + 905_000, r);
  });

  it('never vouches for another string: a changed signature, another policy, another keyring', async () => {
    const r = await fresh();
    const token = await signAccessToken(r, policy, input);
    await verifyAccessToken(token, r, policy, { now: NOW });
    const [head, body, sig] = token.split('.') as [string, string, string];
    const flipped = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    await rejects(flipped, 'malformed', NOW, r);
    await expect(
      verifyAccessToken(token, r, { ...policy, audience: 'another-app' }, { now: NOW }),
    ).rejects.toMatchObject({ reason: 'claims' });
    await rejects(token, 'malformed', NOW, await keyringFor(OTHER));
  });

  it('does not remember failures', async () => {
    const r = await fresh();
    const token = await signAccessToken(r, policy, input);
    await rejects(token, 'expired', NOW + 900_000, r);
    const spy = hmacCalls();
    await verifyAccessToken(token, r, policy, { now: NOW });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it(`holds at most ${VERIFIED_MEMO_SIZE} tokens, dropping the oldest first`, async () => {
    const r = await fresh();
    const tokens = await Promise.all(
      Array.from({ length: VERIFIED_MEMO_SIZE + 1 }, (_, i) =>
        signAccessToken(r, policy, { ...input, jti: `j${i}` }),
      ),
    );
    for (const token of tokens) await verifyAccessToken(token, r, policy, { now: NOW });
    const spy = hmacCalls();
    await verifyAccessToken(tokens[VERIFIED_MEMO_SIZE]!, r, policy, { now: NOW });
    await verifyAccessToken(tokens[1]!, r, policy, { now: NOW });
    expect(spy).not.toHaveBeenCalled();
    await verifyAccessToken(tokens[0]!, r, policy, { now: NOW });
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
