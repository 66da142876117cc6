import type { Reply } from './http-client';

/**
 * What an answer means to the client that got it. The fault scripts count these and refuse
 * the ones that must never happen: a server error, a signed-in client sent to sign in.
 */
export type Answer =
  /** A protected page rendered for the signed-in user. */
  | 'signed-in'
  /** The "we couldn't confirm your session — try again" view: cookies kept, nobody signed out. */
  | 'try-again'
  /** A redirect to /login: the client is signed out. */
  | 'to-login'
  /** 2xx JSON from an API route. */
  | 'ok'
  /** 503 from the app with a stable JSON code (temporarily_unavailable, server_busy). */
  | 'unavailable-503'
  /** 502/503/504 written by the balancer: no instance answered. */
  | 'balancer-error'
  /** A 401 with a JSON code (invalid_grant, invalid_token). */
  | 'refused-401'
  /** Any 5xx the app should never send (500 with or without a stack). */
  | 'server-error'
  | 'other';

export function classify(reply: Reply): Answer {
  const { status, body } = reply;
  const location = String(reply.headers.location ?? '');
  if (status >= 300 && status < 400 && location.startsWith('/login')) return 'to-login';
  if (status === 200 && body.includes('data-testid="welcome"')) return 'signed-in';
  // The layout renders the view itself; after streaming began, app/error.tsx shows it from the digest.
  if (
    status === 200 &&
    (body.includes('data-testid="session-unavailable"') || body.includes('GATEHOUSE_UNAVAILABLE'))
  )
    return 'try-again';
  const code = jsonCode(body);
  if (status >= 200 && status < 300 && isJson(reply)) return 'ok';
  if (
    status === 503 &&
    (code === 'temporarily_unavailable' || code === 'server_busy') &&
    reply.headers['retry-after']
  )
    return 'unavailable-503';
  if ((status === 502 || status === 503 || status === 504) && code === undefined && isBalancerPage(body))
    return 'balancer-error';
  if (status === 401 && code !== undefined) return 'refused-401';
  if (status >= 500) return 'server-error';
  return 'other';
}

/** The JSON error code of an answer, if it is one. */
export function jsonCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** A stack trace in a body: "    at fn (file.js:1:2)". */
export function hasStack(body: string): boolean {
  return /\n\s+at .+:\d+:\d+/.test(body);
}

function isJson(reply: Reply): boolean {
  return String(reply.headers['content-type'] ?? '').includes('application/json');
}

function isBalancerPage(body: string): boolean {
  // HAProxy's own error pages.
  return /<h1>50[234] /.test(body);
}

/** A tally by key, printed in a stable order. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  toString(): string {
    if (this.counts.size === 0) return 'none';
    return [...this.counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `${key} ${n}`)
      .join(', ');
  }
}
