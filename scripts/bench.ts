/**
 * Figures for the hot paths (not a test: nothing here asserts a time).
 *   npx tsx scripts/bench.ts
 *
 * - access-token verification with the key imported once (what Gatehouse does) vs handing
 *   jose the raw secret bytes, which re-imports the key on every call;
 * - a full refresh (unseal, two reads, conditional write, sign, seal) on SQLite;
 * - one argon2id hash at the default parameters, and event-loop delay while hashing.
 */
import { jwtVerify } from 'jose';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { signAccessToken, verifyAccessToken } from '../lib/edge/access-token';
import { deriveKeyring } from '../lib/edge/keys';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { makeRig, META } from '../test/helpers';

async function time(label: string, n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(200, n); i++) await fn(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${label.padEnd(58)} ${(ns / n / 1000).toFixed(1).padStart(8)} µs/op  ${Math.round(n / (ns / 1e9)).toString().padStart(7)} ops/s`);
}

async function main() {
  const secret = 'bench-secret-0123456789abcdefghijklmnop';
  const ring = await deriveKeyring(secret);
  const policy = { issuer: 'gatehouse', audience: 'gatehouse' };
  const now = Date.now();
  const token = await signAccessToken(ring, policy, {
    sub: 'u', sid: 's', name: 'Jon Doe', admin: true, jti: 'j', now, expiresAt: now + 900_000,
  });
  // The raw-bytes variant needs a token signed with those bytes: sign one with the same key
  // material exported through a fresh import.
  const raw = new TextEncoder().encode(secret.padEnd(32, 'x'));
  const rawKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const rawRing = { ...ring, current: { kid: ring.current.kid, key: rawKey } };
  const rawToken = await signAccessToken(rawRing, policy, {
    sub: 'u', sid: 's', name: 'Jon Doe', admin: true, jti: 'j', now, expiresAt: now + 900_000,
  });

  await time('verify access token, CryptoKey imported once', 20_000, () => verifyAccessToken(token, ring, policy, { now }));
  await time('verify access token, raw secret bytes (re-import per call)', 20_000, () =>
    jwtVerify(rawToken, raw, { algorithms: ['HS256'], issuer: 'gatehouse', audience: 'gatehouse', typ: 'at+jwt' }),
  );

  const rig = await makeRig({ AUTH_REFRESH_GRACE: '0' });
  await rig.addUser('jon');
  let pair = await rig.gh.sessions.login('jon', 'password', META);
  await time('refresh with rotation (SQLite, single process)', 2_000, async () => {
    pair = await rig.gh.sessions.refresh(pair.refreshToken, META);
  });
  await rig.cleanup();

  const hasher = createArgon2Hasher();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  await time('argon2id hash (19 MiB, t=2, p=1)', 20, () => hasher.hash('correct horse battery staple'));
  delay.disable();
  console.log(`event-loop delay while hashing: p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
