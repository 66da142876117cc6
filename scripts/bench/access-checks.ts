import { decode as authjsDecode, encode as authjsEncode } from '@auth/core/jwt';
import { sealData, unsealData } from 'iron-session';
import { jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import {
  ACCESS_TOKEN_TYPE,
  signAccessToken,
  verifyAccessToken,
  VERIFIED_MEMO_SIZE,
} from '../../lib/edge/access-token';
import { readAuthCookieHeader, readCookie } from '../../lib/edge/cookies';
import { deriveKeyring, type Keyring } from '../../lib/edge/keys';
import { RevocationSet } from '../../lib/edge/revocations';

/**
 * The per-request access check, seven ways (Gatehouse twice, four others compared, one reference), each from the request's Cookie header to verified
 * claims — what a middleware must do before it lets a request through:
 *
 *  - gatehouse: what middleware.ts does per request (lib/edge/gate.ts accessIsValid): read
 *    both auth cookies (a duplicated one means signed out), verifyAccessToken with the
 *    CryptoKey imported once (issuer, audience, typ, kid, required claims, claim types), then
 *    the revocation set (here holding 100 sessions and 20 users, as after a busy poll) — on a
 *    token it has not verified before, and on one it has (its memo of verified tokens);
 *  - the Web Crypto floor: one cookie read, crypto.subtle.verify (HMAC-SHA256) of the JWT's
 *    signing input with an imported key, base64url-decode and JSON.parse of the payload, the
 *    exp check — the least any JWT check can do, and what the first is measured against;
 *  - jose with the imported CryptoKey and no policy beyond the signature and exp: jose's own
 *    cost over the floor, so the gap between Gatehouse and the floor can be told apart into
 *    jose's parsing and Gatehouse's policy (a reference, not one of the compared libraries);
 *  - jose with raw secret bytes: the same policy as Gatehouse, the key handed to jwtVerify as
 *    a Uint8Array, so jose imports it again on every call (the common shortcut Gatehouse avoids);
 *  - iron-session unsealData of a seal of the same claims (ttl 15 min), a stateless session
 *    cookie done the iron way (PBKDF2-derived keys per call, AES-256-CBC + HMAC);
 *  - Auth.js v5's session decode (@auth/core/jwt decode of a token made by its encode: a JWE,
 *    dir + A256CBC-HS512, the key HKDF-derived from the secret on every call, as Auth.js does
 *    per request).
 *
 * The four HMAC variants verify the very same token bytes. Every check is called once and
 * its claims compared before anything is timed, so a variant that fails fast is not "fast".
 */
export type CheckId =
  'gatehouse' | 'gatehouse-seen' | 'floor' | 'jose-key' | 'jose-raw' | 'iron-session' | 'authjs';

export interface AccessCheck {
  readonly id: CheckId;
  readonly label: string;
  /** For the chart. */
  readonly short: string;
  /** Resolves with the subject of the verified claims; rejects when the cookie does not verify. */
  readonly check: () => Promise<string>;
}

const SUBJECT = 'u_8f3a2c91d7e64b05';
const CLAIMS = { sid: 's_1b7e44d09c2a4f13', name: 'Jon Doe', admin: true, amr: ['pwd'] } as const;
const POLICY = { issuer: 'gatehouse', audience: 'gatehouse' } as const;
const NAMES = { access: 'gatehouse-access', refresh: 'gatehouse-refresh' } as const;
const TTL_SECONDS = 900;

/** Other cookies a real browser sends along (analytics, a theme), so parsing is not free. */
const cookieHeader = (pairs: Record<string, string>) =>
  [
    'theme=dark',
    '_ga=GA1.1.123456789.1700000000',
    ...Object.entries(pairs).map(([k, v]) => `${k}=${v}`),
  ].join('; ');

class CheckFailed extends Error {
  readonly code = 'check_failed';
}

export async function accessChecks(): Promise<AccessCheck[]> {
  const now = Date.now();
  const raw = new Uint8Array(randomBytes(32));
  const hmac = { name: 'HMAC', hash: 'SHA-256' } as const;
  const signingKey = await crypto.subtle.importKey('raw', raw, hmac, false, ['sign', 'verify']);
  const floorKey = await crypto.subtle.importKey('raw', raw, hmac, false, ['verify']);
  // Gatehouse's own keyring, its signing key swapped for one from known bytes so that the
  // floor and jose-with-raw-bytes can verify the very same token.
  const derived = await deriveKeyring(randomBytes(32).toString('base64url'));
  const kid = derived.current.kid;
  const ring: Keyring = {
    ...derived,
    current: { kid, key: signingKey },
    verification: new Map([[kid, signingKey]]),
  };

  const jwt = await signAccessToken(ring, POLICY, {
    sub: SUBJECT,
    ...CLAIMS,
    jti: 'j_5d0c7a9e3b214f68',
    now,
    expiresAt: now + TTL_SECONDS * 1000,
  });
  const refreshSeal = await sealData(
    { t: 'gatehouse/refresh', sid: CLAIMS.sid, gen: 3, sub: SUBJECT },
    {
      password: { ...ring.sealPassword },
      ttl: 0,
    },
  );
  const revocations = new RevocationSet();
  revocations.apply({
    sessions: Array.from({ length: 100 }, (_, i) => [`s_revoked_${i}`, now - i * 1000] as const),
    users: Array.from({ length: 20 }, (_, i) => [`u_revoked_${i}`, now - i * 1000] as const),
  });

  // Gatehouse remembers the tokens it has verified (lib/edge/access-token.ts), so it is timed
  // twice: on tokens it has not seen — a pool of distinct ones, cycled, twice the size of its
  // memo so each comes back evicted, a full verification every call — and on one it has, which
  // is every later request a browser makes with the same cookie. The goals use the first.
  const unseen = await Promise.all(
    Array.from({ length: 2 * VERIFIED_MEMO_SIZE }, (_, i) =>
      signAccessToken(ring, POLICY, {
        sub: SUBJECT,
        ...CLAIMS,
        jti: `j_unseen_${i}`,
        now,
        expiresAt: now + TTL_SECONDS * 1000,
      }),
    ),
  );
  const unseenHeaders = unseen.map((token) =>
    cookieHeader({ [NAMES.access]: token, [NAMES.refresh]: refreshSeal }),
  );
  let next = 0;
  const gatehouseCheck = async (header: string) => {
    const { access, duplicated } = readAuthCookieHeader(header, NAMES);
    if (duplicated || !access) throw new CheckFailed('no access cookie');
    const claims = await verifyAccessToken(access, ring, POLICY, { now: Date.now() });
    if (revocations.refuses(claims)) throw new CheckFailed('revoked');
    return claims.sub;
  };
  const gatehouse = () => gatehouseCheck(unseenHeaders[next++ % unseenHeaders.length]!);
  const gatehouseHeader = cookieHeader({ [NAMES.access]: jwt, [NAMES.refresh]: refreshSeal });
  const gatehouseSeen = () => gatehouseCheck(gatehouseHeader);

  const floorHeader = cookieHeader({ [NAMES.access]: jwt });
  const encoder = new TextEncoder();
  const floor = async () => {
    const token = readCookie(floorHeader, NAMES.access).value;
    if (!token) throw new CheckFailed('no access cookie');
    const dot1 = token.indexOf('.');
    const dot2 = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(dot2 + 1), 'base64url');
    const ok = await crypto.subtle.verify('HMAC', floorKey, signature, encoder.encode(token.slice(0, dot2)));
    if (!ok) throw new CheckFailed('bad signature');
    const payload = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString()) as {
      sub: string;
      exp: number;
    };
    if (!(payload.exp * 1000 > Date.now())) throw new CheckFailed('expired');
    return payload.sub;
  };

  const joseKey = async () => {
    const token = readCookie(floorHeader, NAMES.access).value;
    if (!token) throw new CheckFailed('no access cookie');
    const { payload } = await jwtVerify(token, floorKey);
    return payload.sub!;
  };

  const joseRaw = async () => {
    const token = readCookie(floorHeader, NAMES.access).value;
    if (!token) throw new CheckFailed('no access cookie');
    const { payload } = await jwtVerify(token, raw, {
      algorithms: ['HS256'],
      ...POLICY,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
    });
    return payload.sub!;
  };

  const ironPassword = randomBytes(32).toString('base64url');
  const ironName = 'iron-session';
  const ironHeader = cookieHeader({
    [ironName]: await sealData(
      { sub: SUBJECT, ...CLAIMS, jti: 'j_5d0c7a9e3b214f68', iat: Math.floor(now / 1000) },
      { password: ironPassword, ttl: TTL_SECONDS },
    ),
  });
  const iron = async () => {
    const seal = readCookie(ironHeader, ironName).value;
    if (!seal) throw new CheckFailed('no session cookie');
    // unsealData answers {} for an expired or forged seal rather than throwing.
    const data = await unsealData<{ sub?: string }>(seal, { password: ironPassword, ttl: TTL_SECONDS });
    if (!data.sub) throw new CheckFailed('not unsealed');
    return data.sub;
  };

  // Auth.js names the cookie after the salt it derives the key with.
  const authjsName = 'authjs.session-token';
  const authjsSecret = randomBytes(32).toString('base64url');
  const authjsHeader = cookieHeader({
    [authjsName]: await authjsEncode({
      token: { sub: SUBJECT, ...CLAIMS },
      secret: authjsSecret,
      salt: authjsName,
      maxAge: TTL_SECONDS,
    }),
  });
  const authjs = async () => {
    const token = readCookie(authjsHeader, authjsName).value;
    if (!token) throw new CheckFailed('no session cookie');
    const payload = await authjsDecode({ token, secret: authjsSecret, salt: authjsName });
    if (!payload?.sub) throw new CheckFailed('not decoded');
    return payload.sub;
  };

  const checks: AccessCheck[] = [
    {
      id: 'gatehouse',
      label: 'Gatehouse, a token it has not seen (full verification)',
      short: 'Gatehouse, unseen token',
      check: gatehouse,
    },
    {
      id: 'gatehouse-seen',
      label: 'Gatehouse, a token it verified before (every later request)',
      short: 'Gatehouse, seen before',
      check: gatehouseSeen,
    },
    {
      id: 'floor',
      label: 'Web Crypto floor (HMAC verify + JSON.parse + exp)',
      short: 'Web Crypto floor',
      check: floor,
    },
    {
      id: 'jose-key',
      label: 'jose jwtVerify, CryptoKey, signature + exp only',
      short: 'jose, CryptoKey, no policy (reference)',
      check: joseKey,
    },
    {
      id: 'jose-raw',
      label: 'jose jwtVerify, raw secret bytes',
      short: 'jose, raw secret bytes',
      check: joseRaw,
    },
    { id: 'iron-session', label: 'iron-session unsealData', short: 'iron-session unsealData', check: iron },
    {
      id: 'authjs',
      label: 'Auth.js v5 session decode (@auth/core/jwt)',
      short: 'Auth.js v5 decode',
      check: authjs,
    },
  ];
  for (const { label, check } of checks) {
    const sub = await check();
    if (sub !== SUBJECT) throw new CheckFailed(`${label} returned the wrong subject: ${sub}`);
  }
  return checks;
}
