import type { AppServer } from './app-server';
import { cookieHeader } from './client';
import { load, NoAnswerError } from './load';
import { median } from './stats';

/**
 * Page throughput, signed in and signed out, in interleaved rounds (A B B A).
 *
 * What is fair: a protected page signed out is not a page at all — /dashboard answers a 307 to
 * /login from the middleware, without rendering — so "the same page signed out" has to be a
 * page that renders either way. The home page does: the same middleware, the same layout,
 * auth() in the page, one render, whoever asks. Signed in vs signed out there is exactly what
 * being signed in costs a page (the middleware's check, the page's own verification, the
 * header's name), and it is the same cost /dashboard pays; /dashboard adds its own work on
 * top (a read of the session's details). Both /dashboard figures are shown too.
 */
export type PageId = 'home-in' | 'home-out' | 'dashboard-in' | 'dashboard-out';

export interface PageCase {
  readonly id: PageId;
  readonly label: string;
  readonly path: string;
  readonly signedIn: boolean;
  readonly expect: 200 | 307;
}

export const PAGE_CASES: readonly PageCase[] = [
  { id: 'home-in', label: '/ signed in (200)', path: '/', signedIn: true, expect: 200 },
  { id: 'home-out', label: '/ signed out (200)', path: '/', signedIn: false, expect: 200 },
  {
    id: 'dashboard-in',
    label: '/dashboard signed in (200)',
    path: '/dashboard',
    signedIn: true,
    expect: 200,
  },
  {
    id: 'dashboard-out',
    label: '/dashboard signed out (307 → /login)',
    path: '/dashboard',
    signedIn: false,
    expect: 307,
  },
];

export interface PageResult extends PageCase {
  /** req/s of each round, in round order. */
  readonly rounds: readonly number[];
  readonly perSecond: number;
  readonly p50Millis: number;
  readonly p99Millis: number;
}

export interface PageOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
}

export async function runPages(
  app: AppServer,
  options: PageOptions,
): Promise<{ pages: PageResult[]; retried: number }> {
  const jar = await app.signIn(app.usernames[0]!);
  let retried = 0;
  const run = async (page: PageCase, seconds: number) => {
    // A window without a single answer measured nothing (the server was starved of CPU for
    // its whole length, on a shared machine): run it again, a couple of times at most, and say so.
    for (let attempt = 1; ; attempt++) {
      try {
        return await load({
          url: app.client.origin + page.path,
          seconds,
          connections: options.connections,
          expect: page.expect,
          headers: page.signedIn ? { cookie: cookieHeader(jar) } : {},
        });
      } catch (error) {
        if (!(error instanceof NoAnswerError) || attempt === 3) throw error;
        retried++;
        console.error(`[bench] ${error.message}; running that window again`);
      }
    }
  };
  // Warm-up: the JIT, each page's first render, the middleware's first load.
  for (const page of PAGE_CASES) await run(page, 1);

  const samples = new Map<PageId, { rate: number[]; p50: number[]; p99: number[] }>(
    PAGE_CASES.map((p) => [p.id, { rate: [], p50: [], p99: [] }]),
  );
  // Each signed-in run next to its signed-out twin, the order flipped every round (A B B A):
  // the two figures a ratio is taken of are always seconds apart, and neither always goes first.
  const pairs = [PAGE_CASES.slice(0, 2), PAGE_CASES.slice(2, 4)];
  for (let round = 0; round < options.rounds; round++) {
    const flip = <T>(xs: readonly T[]) => (round % 2 === 0 ? xs : [...xs].reverse());
    for (const page of flip(pairs).flatMap(flip)) {
      const result = await run(page, options.seconds);
      const s = samples.get(page.id)!;
      s.rate.push(result.perSecond);
      s.p50.push(result.p50Millis);
      s.p99.push(result.p99Millis);
    }
  }
  const pages = PAGE_CASES.map((page) => {
    const s = samples.get(page.id)!;
    return {
      ...page,
      rounds: s.rate,
      perSecond: median(s.rate),
      p50Millis: median(s.p50),
      p99Millis: median(s.p99),
    };
  });
  return { pages, retried };
}
