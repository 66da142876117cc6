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
  /** True when no AUTH_SECRET was given and the generated demo secret is in use. */
  readonly demo: boolean;
  readonly database: DatabaseLocation;
  /** Access token lifetime, seconds. */
  readonly accessTtl: number;
  /** Refresh token idle lifetime, seconds: a session unused this long ends. */
  readonly refreshTtl: number;
  /** Absolute session lifetime, seconds, however active the session is. */
  readonly sessionMaxAge: number;
  /** Seconds during which the previous refresh token still works after a rotation. */
  readonly refreshGrace: number;
  /** Base URL the middleware uses to reach the token endpoint. Never taken from a request. */
  readonly internalUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly cookieSecure: boolean;
  readonly cookieNames: { readonly access: string; readonly refresh: string };
}

export type DatabaseLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULTS = {
  accessTtl: 900,
  refreshTtl: 86_400,
  sessionMaxAge: 30 * 86_400,
  refreshGrace: 10,
  issuer: 'gatehouse',
  audience: 'gatehouse',
  databaseUrl: 'file:.data/gatehouse.db',
} as const;

export const MIN_SECRET_LENGTH = 32;

/** Parses the environment; throws one ConfigError listing every problem found. */
export function parseConfig(env: Env): AuthConfig {
  const problems: string[] = [];

  const explicitSecret = nonEmpty(env.AUTH_SECRET);
  // AUTH_DEMO_SECRET is set by Gatehouse itself (next.config.js) from .data/ when AUTH_SECRET
  // is absent; it is what makes a zero-config first start work.
  const demoSecret = nonEmpty(env.AUTH_DEMO_SECRET);
  const secret = explicitSecret ?? demoSecret ?? '';
  if (!secret) {
    problems.push(
      'AUTH_SECRET is not set. Generate one with `openssl rand -base64 32` (or start with ' +
        '`npm run serve` without it for the demo).',
    );
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `AUTH_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length}). ` +
        'Generate one with `openssl rand -base64 32`.',
    );
  }
  const previousSecrets = (env.AUTH_SECRET_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  previousSecrets.forEach((s, i) => {
    if (s.length < MIN_SECRET_LENGTH) {
      problems.push(`AUTH_SECRET_PREVIOUS entry ${i + 1} must be at least ${MIN_SECRET_LENGTH} characters.`);
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

  const database = parseDatabaseUrl(nonEmpty(env.DATABASE_URL) ?? DEFAULTS.databaseUrl, problems);

  const port = nonEmpty(env.PORT) ?? '3000';
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
    demo: explicitSecret === undefined,
    database: database!,
    accessTtl: accessTtl!,
    refreshTtl: refreshTtl!,
    sessionMaxAge: sessionMaxAge!,
    refreshGrace: refreshGrace!,
    internalUrl: internalUrl!,
    issuer,
    audience,
    cookieSecure,
    cookieNames: { access: `${prefix}gatehouse-access`, refresh: `${prefix}gatehouse-refresh` },
  };
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

export function parseDatabaseUrl(raw: string, problems: string[]): DatabaseLocation | undefined {
  if (/^postgres(ql)?:\/\//i.test(raw)) return { kind: 'postgres', url: raw };
  const match = /^(?:file:|sqlite:)(?:\/\/)?(.+)$/i.exec(raw);
  const path = match ? match[1] : raw;
  if (!path || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    problems.push(
      `DATABASE_URL must be a SQLite file (file:path/to/db.sqlite) or postgres://… (got "${raw}").`,
    );
    return undefined;
  }
  return { kind: 'sqlite', path };
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
