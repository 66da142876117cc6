import { accessClaims, type AppServer } from './app-server';
import { cookieHeader, cookiesSet, eachLimited, type Reply } from './client';
import { max, median, quantile } from './stats';

/**
 * The refresh path under a burst, through the middleware as a browser meets it: page loads
 * of /dashboard whose access cookie has expired (re-signed by the bench with the server's own
 * key and an expiry a minute ago, which is what the clock would have done in 15 minutes) and
 * whose refresh cookie is good. The middleware calls the token endpoint, writes the new pair
 * into the request and the response, and the page renders.
 *
 *  - many: 100 distinct sessions at once: every one must come back 200 with both new cookies,
 *    each session rotated exactly once; then the same 100 again with the fresh cookies (no
 *    refresh), for what the refresh added;
 *  - one: 100 parallel loads on a single session: the single flight and the grace window must
 *    turn them into one rotation — one write to the session's row — and 100 pages.
 */
export interface Burst {
  readonly requests: number;
  readonly p50Millis: number;
  readonly p95Millis: number;
  readonly maxMillis: number;
  /** Pages answered 200 that set both a new access and a new refresh cookie. */
  readonly refreshed: number;
}

export interface RefreshResult {
  readonly many: Burst & { readonly rotatedOnce: number; readonly sessions: number };
  readonly manyAfter: Burst;
  readonly one: Burst & {
    readonly writes: number;
    readonly genBefore: number;
    readonly genAfter: number;
    readonly refreshEvents: number;
    readonly reuseEvents: number;
  };
}

export async function runRefresh(app: AppServer, sessions: number): Promise<RefreshResult> {
  const { config } = app;
  // Sign-ins hash a password each: a few at a time, below the hashing queue.
  const jars = await eachLimited(
    Array.from({ length: sessions }, (_, i) => app.usernames[i % app.usernames.length]!),
    4,
    (username) => app.signIn(username),
  );
  const expired = await Promise.all(jars.map((jar) => app.expireAccess(jar)));
  // Open the connections first, so the burst measures the server, not 100 TCP handshakes.
  await Promise.all(expired.map(() => app.client.send('GET', '/login')));

  const page = (jar: ReadonlyMap<string, string>) =>
    app.client.send('GET', '/dashboard', { cookie: cookieHeader(jar) });
  const isRefreshed = (reply: Reply) => {
    const set = cookiesSet(reply.setCookie);
    return reply.status === 200 && set.has(config.cookieNames.access) && set.has(config.cookieNames.refresh);
  };

  const manyReplies = await Promise.all(expired.map(page));
  const sids = jars.map((jar) => accessClaims(jar, config).sid);
  const rotatedOnce = sids.filter((sid) => {
    const w = app.sessionWrites(sid);
    return w.writes === 1 && w.gen === 1 && w.refreshEvents === 1;
  }).length;
  const fresh = manyReplies.map((reply, i) => new Map([...expired[i]!, ...cookiesSet(reply.setCookie)]));
  const afterReplies = await Promise.all(fresh.map(page));
  if (afterReplies.some((r) => r.status !== 200 || r.setCookie.length > 0)) {
    throw new Error('a page with fresh cookies was not a plain 200');
  }

  const single = await app.signIn(app.usernames[0]!);
  const sid = accessClaims(single, config).sid;
  const before = app.sessionWrites(sid);
  const singleExpired = await app.expireAccess(single);
  const oneReplies = await Promise.all(Array.from({ length: sessions }, () => page(singleExpired)));
  const after = app.sessionWrites(sid);

  return {
    many: { ...burst(manyReplies, isRefreshed), rotatedOnce, sessions },
    manyAfter: burst(afterReplies, isRefreshed),
    one: {
      ...burst(oneReplies, isRefreshed),
      writes: after.writes - before.writes,
      genBefore: before.gen,
      genAfter: after.gen,
      refreshEvents: after.refreshEvents - before.refreshEvents,
      reuseEvents: after.reuseEvents - before.reuseEvents,
    },
  };
}

function burst(replies: readonly Reply[], isRefreshed: (reply: Reply) => boolean): Burst {
  const millis = replies.map((r) => r.millis);
  return {
    requests: replies.length,
    p50Millis: median(millis),
    p95Millis: quantile(millis, 0.95),
    maxMillis: max(millis),
    refreshed: replies.filter(isRefreshed).length,
  };
}
