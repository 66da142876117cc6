import { ConfigError } from './errors';

/**
 * Everything Gatehouse reads from the environment, parsed and validated once. Pure and
 * edge-safe: it takes the environment as an argument and touches neither files nor Node APIs,
 * so the Edge middleware and the Node server parse the very same way.
 */
export interface AuthConfig {
  /** Current secret; signing and sealing keys are derived from it (never used directly). */
  readonly secret: string;
  /** Earlier secrets still accepted for verification while tokens issued under them expire. */
  readonly previousSecrets: readonly string[];
  /** True only under AUTH_DEMO=1 without AUTH_SECRET: the generated demo secret is in use. */
  readonly demo: boolean;
  /**
   * The origin people use (AUTH_PUBLIC_URL), e.g. https://auth.example.com: the one public-URL
   * setting for the CSRF check (scheme included), HSTS, links and passkeys. Null when unset
   * (the demo defaults it to http://localhost:$PORT).
   */
  readonly publicUrl: string | null;
  /** Who may vouch for X-Forwarded-For (AUTH_TRUSTED_PROXIES). */
  readonly trustedProxies: TrustedProxies;
  /** Live sessions one user may have; signing in beyond it ends the least recently used. */
  readonly maxSessions: number;
  readonly throttle: ThrottleConfig;
  /** Argon2 hashes allowed at once; 0 means one per CPU core (decided by the Node side). */
  readonly hashConcurrency: number;
  /** Sign-ins allowed to wait for a hashing slot; beyond it: 503 with Retry-After. */
  readonly hashQueue: number;
  /** Redis for the sign-in counters (REDIS_URL); null keeps them in the database. */
  readonly redisUrl: string | null;
  readonly database: DatabaseLocation;
  readonly housekeeping: HousekeepingConfig;
  /** Access token lifetime, seconds. */
  readonly accessTtl: number;
  /** Refresh token idle lifetime, seconds: a session unused this long ends. */
  readonly refreshTtl: number;
  /** Absolute session lifetime, seconds, however active the session is. */
  readonly sessionMaxAge: number;
  /** Seconds during which the previous refresh token still works after a rotation. */
  readonly refreshGrace: number;
  /**
   * Seconds between refreshes of the revocation set (AUTH_REVOCATION_POLL): how soon a
   * sign-out, ban or revoked session is refused everywhere, without a query per request.
   * 0 turns the set off: an ended session's access tokens then work until they expire.
   */
  readonly revocationPoll: number;
  /** Seconds a one-time password link (reset or invitation) stays usable (AUTH_PASSWORD_LINK_TTL). */
  readonly passwordLinkTtl: number;
  /** Base URL the middleware uses to reach the token endpoint. Never taken from a request. */
  readonly internalUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly cookieSecure: boolean;
  readonly cookieNames: { readonly access: string; readonly refresh: string };
}

/**
 * How long ended sessions and audit events are kept before lib/auth/housekeeping.ts deletes
 * them, and how often it looks. Ended sessions are kept a while so "who was signed in from
 * where last week" can still be answered; events far longer, as the audit trail.
 */
export interface HousekeepingConfig {
  /** Days an ended (expired or revoked) session is kept (AUTH_SESSION_RETENTION_DAYS). */
  readonly sessionRetentionDays: number;
  /** Days an audit event is kept (AUTH_EVENT_RETENTION_DAYS). */
  readonly eventRetentionDays: number;
  /** Seconds between purges (AUTH_PURGE_INTERVAL); 0: never on a timer, only `npm run users -- purge`. */
  readonly purgeInterval: number;
}

export type DatabaseLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Addresses allowed to vouch for a client address in X-Forwarded-For: none (the socket's
 * address is the client), a list of addresses/CIDRs, or a number of proxy hops in front.
 */
export type TrustedProxies =
  | { readonly kind: 'none' }
  | { readonly kind: 'list'; readonly ranges: readonly string[] }
  | { readonly kind: 'hops'; readonly count: number };

/** Sign-in throttling (see README, "Sign-in throttling"). Counts are failures; times seconds. */
export interface ThrottleConfig {
  /** Consecutive failures per account, from any address. */
  readonly account: number;
  /** Failures per (account, client address). */
  readonly pair: number;
  /** Different usernames failed from one address (IPv6: one /64) within an hour. */
  readonly address: number;
  /** Failures per device cookie, which replaces the per-account limit for that browser. */
  readonly device: number;
  /** Failed refreshes (invalid_grant) per address within ten minutes. */
  readonly refresh: number;
  /** Sign-in requests one address may send at once, and earns back per second (load shedding). */
  readonly requestBurst: number;
  readonly requestRate: number;
  /** First block; each further block of the same key doubles, up to blockMax. */
  readonly blockMin: number;
  readonly blockMax: number;
}

export const DEFAULTS = {
  accessTtl: 900,
  refreshTtl: 86_400,
  sessionMaxAge: 30 * 86_400,
  refreshGrace: 10,
  revocationPoll: 2,
  passwordLinkTtl: 1800,
  issuer: 'gatehouse',
  audience: 'gatehouse',
  databaseUrl: 'file:.data/gatehouse.db',
  maxSessions: 50,
  hashQueue: 32,
  housekeeping: { sessionRetentionDays: 7, eventRetentionDays: 90, purgeInterval: 3600 },
  throttle: { account: 10, pair: 5, address: 30, device: 10, refresh: 60, requestBurst: 10, requestRate: 1, blockMin: 60, blockMax: 3600 },
} as const satisfies Record<string, unknown> & { throttle: ThrottleConfig; housekeeping: HousekeepingConfig };

export const MIN_SECRET_LENGTH = 32;

export interface ParseOptions {
  /**
   * Common passwords and words a secret must not be built from. The Node side passes the
   * shipped list; the Edge middleware does not (the server has already refused a weak secret
   * at start, and the list would bloat the Edge bundle).
   */
  readonly secretWords?: ReadonlySet<string>;
}

/** Parses the environment; throws one ConfigError listing every problem found. */
export function parseConfig(env: Env, options: ParseOptions = {}): AuthConfig {
  const problems: string[] = [];

  const explicitSecret = nonEmpty(env.AUTH_SECRET);
  const demoRaw = nonEmpty(env.AUTH_DEMO);
  if (demoRaw !== undefined && !['1', '0', 'true', 'false'].includes(demoRaw)) {
    problems.push(`AUTH_DEMO must be "1" or "0" (got "${demoRaw.slice(0, 20)}").`);
  }
  // The demo runs only when asked for: `next start` is always "production", so a missing
  // secret must never quietly mean "serve jon / password".
  const demo = explicitSecret === undefined && (demoRaw === '1' || demoRaw === 'true');
  // AUTH_DEMO_SECRET is set by Gatehouse itself (next.config.js) from .data/ under AUTH_DEMO=1.
  const secret = explicitSecret ?? (demo ? nonEmpty(env.AUTH_DEMO_SECRET) : undefined) ?? '';
  if (!secret) {
    problems.push(
      demo
        ? 'AUTH_DEMO=1 but no demo secret was generated: start the demo with `npm run serve`.'
        : 'AUTH_SECRET is not set. Generate one with `openssl rand -base64 32` and set it in the ' +
            "server's environment (or run the demo with `npm run serve`).",
    );
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length}). ` +
        'Generate one with `openssl rand -base64 32`.',
    );
  } else if (explicitSecret !== undefined) {
    const weakness = secretWeakness(explicitSecret, options.secretWords);
    if (weakness) {
      problems.push(`AUTH_SECRET is too easy to guess: ${weakness}. Generate one with \`openssl rand -base64 32\`.`);
    }
  }
  const previousSecrets = (env.AUTH_SECRET_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  previousSecrets.forEach((s, i) => {
    if (s.length < MIN_SECRET_LENGTH) {
      problems.push(`AUTH_SECRET_PREVIOUS entry ${i + 1} must be at least ${MIN_SECRET_LENGTH} characters.`);
    } else {
      // Tokens signed with it are still accepted, so it must be as strong as the current one.
      const weakness = secretWeakness(s, options.secretWords);
      if (weakness) problems.push(`AUTH_SECRET_PREVIOUS entry ${i + 1} is too easy to guess: ${weakness}.`);
    }
  });

  const accessTtl = seconds(env, 'AUTH_ACCESS_TTL', DEFAULTS.accessTtl, 1, 86_400, problems);
  const refreshTtl = seconds(env, 'AUTH_REFRESH_TTL', DEFAULTS.refreshTtl, 1, 400 * 86_400, problems);
  const sessionMaxAge = seconds(env, 'AUTH_SESSION_MAX_AGE', DEFAULTS.sessionMaxAge, 1, 400 * 86_400, problems);
  const refreshGrace = seconds(env, 'AUTH_REFRESH_GRACE', DEFAULTS.refreshGrace, 0, 300, problems);
  if (refreshTtl !== undefined && accessTtl !== undefined && refreshTtl <= accessTtl) {
    problems.push(
      `AUTH_REFRESH_TTL (${refreshTtl}s) must be longer than AUTH_ACCESS_TTL (${accessTtl}s), ` +
        'or every session would expire before its first refresh.',
    );
  }
  if (refreshGrace !== undefined && refreshTtl !== undefined && refreshGrace >= refreshTtl) {
    problems.push(`AUTH_REFRESH_GRACE (${refreshGrace}s) must be shorter than AUTH_REFRESH_TTL.`);
  }

  const revocationPoll = seconds(env, 'AUTH_REVOCATION_POLL', DEFAULTS.revocationPoll, 0, 60, problems);
  const passwordLinkTtl = seconds(env, 'AUTH_PASSWORD_LINK_TTL', DEFAULTS.passwordLinkTtl, 60, 7 * 86_400, problems);

  const database = parseDatabaseUrl(nonEmpty(env.DATABASE_URL) ?? DEFAULTS.databaseUrl, problems);
  const housekeeping = parseHousekeeping(env, problems);

  const port = nonEmpty(env.PORT) ?? '3000';
  const publicRaw = nonEmpty(env.AUTH_PUBLIC_URL) ?? (demo ? `http://localhost:${port}` : undefined);
  const publicUrl = publicRaw === undefined ? null : (parseHttpUrl('AUTH_PUBLIC_URL', publicRaw, problems) ?? null);
  const trustedProxies = parseTrustedProxies(nonEmpty(env.AUTH_TRUSTED_PROXIES), problems);
  const maxSessions = count(env, 'AUTH_MAX_SESSIONS', DEFAULTS.maxSessions, 1, 10_000, problems);
  const t = DEFAULTS.throttle;
  const throttle: ThrottleConfig = {
    account: count(env, 'AUTH_THROTTLE_ACCOUNT', t.account, 1, 1000, problems),
    pair: count(env, 'AUTH_THROTTLE_PAIR', t.pair, 1, 1000, problems),
    address: count(env, 'AUTH_THROTTLE_ADDRESS', t.address, 1, 10_000, problems),
    device: count(env, 'AUTH_THROTTLE_DEVICE', t.device, 1, 1000, problems),
    refresh: count(env, 'AUTH_THROTTLE_REFRESH', t.refresh, 1, 100_000, problems),
    requestBurst: count(env, 'AUTH_THROTTLE_BURST', t.requestBurst, 1, 100_000, problems),
    requestRate: count(env, 'AUTH_THROTTLE_RATE', t.requestRate, 1, 100_000, problems),
    blockMin: seconds(env, 'AUTH_THROTTLE_BLOCK_MIN', t.blockMin, 1, 86_400, problems) ?? t.blockMin,
    blockMax: seconds(env, 'AUTH_THROTTLE_BLOCK_MAX', t.blockMax, 1, 7 * 86_400, problems) ?? t.blockMax,
  };
  if (throttle.blockMax < throttle.blockMin) {
    problems.push('AUTH_THROTTLE_BLOCK_MAX must not be shorter than AUTH_THROTTLE_BLOCK_MIN.');
  }
  const hashConcurrency = count(env, 'AUTH_HASH_CONCURRENCY', 0, 0, 256, problems);
  const hashQueue = count(env, 'AUTH_HASH_QUEUE', DEFAULTS.hashQueue, 0, 10_000, problems);
  const redisRaw = nonEmpty(env.REDIS_URL);
  if (redisRaw !== undefined && !/^rediss?:\/\/[^\s]+$/i.test(redisRaw)) {
    problems.push(`REDIS_URL must be redis://… or rediss://… (got "${redactUrl(redisRaw).slice(0, 100)}").`);
  }
  const internalUrl = parseHttpUrl(
    'AUTH_INTERNAL_URL',
    nonEmpty(env.AUTH_INTERNAL_URL) ?? `http://127.0.0.1:${port}`,
    problems,
  );

  const issuer = nonEmpty(env.AUTH_ISSUER) ?? DEFAULTS.issuer;
  const audience = nonEmpty(env.AUTH_AUDIENCE) ?? DEFAULTS.audience;

  let cookieSecure: boolean;
  const secureRaw = nonEmpty(env.AUTH_COOKIE_SECURE);
  if (secureRaw === undefined) {
    // Production (an explicit secret under NODE_ENV=production) gets Secure, __Host- cookies.
    // The demo runs on plain http://localhost, where curl would drop Secure cookies.
    cookieSecure = explicitSecret !== undefined && env.NODE_ENV === 'production';
  } else if (secureRaw === 'true' || secureRaw === 'false') {
    cookieSecure = secureRaw === 'true';
  } else {
    problems.push(`AUTH_COOKIE_SECURE must be "true" or "false" (got "${secureRaw}").`);
    cookieSecure = true;
  }

  if (problems.length > 0) throw new ConfigError(problems);

  // __Host- makes the browser refuse the cookie unless it is Secure, Path=/ and has no Domain,
  // so a sibling subdomain cannot plant or shadow it.
  const prefix = cookieSecure ? '__Host-' : '';
  return {
    secret,
    previousSecrets,
    demo,
    publicUrl,
    trustedProxies: trustedProxies!,
    maxSessions,
    throttle,
    hashConcurrency,
    hashQueue,
    redisUrl: redisRaw ?? null,
    database: database!,
    housekeeping,
    accessTtl: accessTtl!,
    refreshTtl: refreshTtl!,
    sessionMaxAge: sessionMaxAge!,
    refreshGrace: refreshGrace!,
    revocationPoll: revocationPoll!,
    passwordLinkTtl: passwordLinkTtl!,
    internalUrl: internalUrl!,
    issuer,
    audience,
    cookieSecure,
    cookieNames: { access: `${prefix}gatehouse-access`, refresh: `${prefix}gatehouse-refresh` },
  };
}

/**
 * Why a secret is obviously guessable, or null. Not an entropy proof: it catches what people
 * actually paste — one character repeated, a short pattern repeated, a word or a keyboard run
 * padded to length — by estimating the bits left once those parts are priced like an attacker
 * would price them. A random base64 or hex secret of the minimum length passes with room.
 */
export const MIN_SECRET_BITS = 100;

/** What people type when a template says "put your secret here". Cheap to an attacker. */
const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set(
  (
    'my your our the a an this that with for to in of and please now here real very super top ' +
    'secret secrets key keys jwt token auth session cookie app api server prod production dev ' +
    'development staging test local default example sample demo change changeme replace gatehouse ' +
    'password passwd pass me it is not use new long random string value'
  ).split(' '),
);

export function secretWeakness(secret: string, words?: ReadonlySet<string>): string | null {
  const distinct = new Set(secret).size;
  if (distinct < 8) return `it uses only ${distinct} different character${distinct === 1 ? '' : 's'}`;
  for (let period = 1; period <= secret.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < secret.length && repeats; i++) repeats = secret[i] === secret[i - period];
    if (repeats) return `it repeats "${period <= 4 ? secret.slice(0, period) : secret.slice(0, 4) + '…'}"`;
  }
  const bits = estimateBits(secret, words);
  if (bits < MIN_SECRET_BITS) return `it is made of common words, runs or repeats (about ${Math.round(bits)} bits of the ${MIN_SECRET_BITS} needed)`;
  return null;
}

/**
 * Walks the secret left to right; at each position takes the cheapest explanation: a known word
 * (about 16 bits), a run of one character or a sequence such as 1234/abcd (a few bits), a copy
 * of something seen before (a few bits), or one random character from its class.
 */
function estimateBits(secret: string, words?: ReadonlySet<string>): number {
  const s = secret;
  const lower = s.toLowerCase();
  const classSize =
    (/[a-z]/.test(s) ? 26 : 0) + (/[A-Z]/.test(s) ? 26 : 0) + (/\d/.test(s) ? 10 : 0) + (/[^a-zA-Z\d]/.test(s) ? 33 : 0);
  const perChar = Math.log2(Math.max(classSize, 2));
  const cost = new Array<number>(s.length + 1).fill(Infinity);
  cost[0] = 0;
  for (let i = 0; i < s.length; i++) {
    const here = cost[i]!;
    if (here === Infinity) continue;
    const relax = (end: number, bits: number) => {
      if (here + bits < cost[end]!) cost[end] = here + bits;
    };
    // Separators between words add next to nothing: "my-secret-key" is three words.
    relax(i + 1, /[-_.\s/:]/.test(s[i]!) ? 1 : perChar);
    for (let len = 2; len <= 10 && i + len <= s.length; len++) {
      if (PLACEHOLDER_WORDS.has(lower.slice(i, i + len))) relax(i + len, 6);
    }
    // Runs and +1/-1 sequences (aaaa, 1234, dcba).
    for (const step of [0, 1, -1]) {
      let end = i + 1;
      while (end < s.length && s.charCodeAt(end) - s.charCodeAt(end - 1) === step) end++;
      if (end - i >= 3) for (let e = i + 3; e <= end; e++) relax(e, perChar + 2);
    }
    // Repeats of an earlier part.
    for (let len = 4; i + len <= s.length; len++) {
      if (s.slice(0, i).includes(s.slice(i, i + len))) relax(i + len, 2 + Math.log2(i + 1));
      else break;
    }
    if (words) {
      for (let len = 4; len <= 20 && i + len <= s.length; len++) {
        if (words.has(lower.slice(i, i + len))) relax(i + len, 16);
      }
    }
  }
  return cost[s.length]!;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function seconds(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${name} must be a whole number of seconds (got "${raw}").`);
    return undefined;
  }
  const value = Number(raw);
  if (value < min || value > max) {
    problems.push(`${name} must be between ${min} and ${max} seconds (got ${value}).`);
    return undefined;
  }
  return value;
}

/** A whole number within [min, max] (its fallback when unset); a problem otherwise. */
function count(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw.slice(0, 20)}").`);
    return fallback;
  }
  return value;
}

/**
 * The retention settings alone: the users command's `purge` reads them without the rest of
 * the configuration (it needs no secret).
 */
export function parseHousekeeping(env: Env, problems: string[]): HousekeepingConfig {
  const h = DEFAULTS.housekeeping;
  return {
    sessionRetentionDays: count(env, 'AUTH_SESSION_RETENTION_DAYS', h.sessionRetentionDays, 1, 3650, problems),
    eventRetentionDays: count(env, 'AUTH_EVENT_RETENTION_DAYS', h.eventRetentionDays, 1, 3650, problems),
    purgeInterval: seconds(env, 'AUTH_PURGE_INTERVAL', h.purgeInterval, 0, 7 * 86_400, problems) ?? h.purgeInterval,
  };
}

/**
 * A URL with any password (and user) replaced, for every message that may reach a log or a
 * terminal: a mistyped DATABASE_URL must not print its credentials.
 */
export function redactUrl(raw: string): string {
  // Up to the last "@": a password may itself hold "@" or "/".
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/*).*@/i, '$1***@');
}

export function parseDatabaseUrl(raw: string, problems: string[]): DatabaseLocation | undefined {
  if (/^postgres(ql)?:\/\//i.test(raw)) return { kind: 'postgres', url: raw };
  const match = /^(?:file:|sqlite:)(?:\/\/)?(.+)$/i.exec(raw);
  const path = match ? match[1] : raw;
  // Anything that looks like another scheme (`mysql://…`, or `postgres:/u:pw@db` with a slash
  // missing) is a mistake, not a file name; one-letter "schemes" are Windows drives.
  if (!path || /^[a-z][a-z0-9+.-]+:/i.test(path) || (!match && /^[a-z][a-z0-9+.-]+:/i.test(raw))) {
    problems.push(
      `DATABASE_URL must be a SQLite file (file:path/to/db.sqlite) or postgres://… (got "${redactUrl(raw).slice(0, 200)}").`,
    );
    return undefined;
  }
  return { kind: 'sqlite', path };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Syntax only (edge-safe, no address library): the Node side does the matching. */
function parseTrustedProxies(raw: string | undefined, problems: string[]): TrustedProxies | undefined {
  if (raw === undefined) return { kind: 'none' };
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) {
      problems.push(`AUTH_TRUSTED_PROXIES as a hop count must be 0–10 (got ${hops}).`);
      return undefined;
    }
    return hops === 0 ? { kind: 'none' } : { kind: 'hops', count: hops };
  }
  const ranges = raw.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = ranges.filter((range) => {
    const [address, bits, ...rest] = range.split('/');
    if (rest.length > 0 || !address) return true;
    const v4 = IPV4.test(address);
    const v6 = !v4 && address.includes(':') && /^[0-9a-f:.]+$/i.test(address);
    if (!v4 && !v6) return true;
    if (bits === undefined) return false;
    return !/^\d+$/.test(bits) || Number(bits) > (v4 ? 32 : 128);
  });
  if (bad.length > 0) {
    problems.push(
      `AUTH_TRUSTED_PROXIES must be a hop count or addresses/CIDRs such as 10.0.0.0/8,::1 (bad: ${bad.join(', ').slice(0, 100)}).`,
    );
    return undefined;
  }
  return { kind: 'list', ranges };
}

function parseHttpUrl(name: string, raw: string, problems: string[]): string | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return url.origin;
  } catch {
    problems.push(`${name} must be an http(s) URL such as http://127.0.0.1:3000 (got "${raw}").`);
    return undefined;
  }
}
