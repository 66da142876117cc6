import { describe, expect, it } from 'vitest';
import { manualClock } from './clock';
import { parseFeed } from './revocation-client';
import {
  createRevocationWatch,
  FEED_OVERLAP_MS,
  HORIZON_MARGIN,
  RevocationSet,
  type RevocationFeed,
} from './revocations';

const T = Date.UTC(2026, 10, 29, 12);
const token = (sid: string, sub: string, issuedMs: number) => ({
  sid,
  sub,
  iat: Math.floor(issuedMs / 1000),
});

describe('RevocationSet', () => {
  it('refuses every token of a revoked session, and a user’s tokens issued before `since`', () => {
    const set = new RevocationSet();
    set.apply({ sessions: [['s1', T]], users: [['u2', T + 10_000]] });
    expect(set.refuses(token('s1', 'u1', T + 60_000))).toBe(true);
    expect(set.refuses(token('s9', 'u1', T))).toBe(false);
    expect(set.refuses(token('s9', 'u2', T + 9_000))).toBe(true);
    // Issued in the second of the cut-off or later: a session started after a reset works.
    expect(set.refuses(token('s9', 'u2', T + 10_999))).toBe(false);
    expect(set.refuses(token('s9', 'u2', T + 11_000))).toBe(false);
  });

  it('keeps the later `since` when a user is cut off twice', () => {
    const set = new RevocationSet();
    set.apply({ sessions: [], users: [['u1', T + 5000]] });
    set.apply({ sessions: [], users: [['u1', T]] });
    expect(set.refuses(token('s', 'u1', T + 3000))).toBe(true);
  });

  it('forgets entries older than the cut-off', () => {
    const set = new RevocationSet();
    set.apply({
      sessions: [
        ['old', T - 1],
        ['new', T],
      ],
      users: [['u1', T - 1]],
    });
    set.prune(T);
    expect(set.size).toBe(1);
    expect(set.refuses(token('old', 'x', T - 5000))).toBe(false);
    expect(set.refuses(token('new', 'x', T - 5000))).toBe(true);
  });
});

/** A feed over a list of revocations with times, as the database would answer. */
function fakeFeed(clock: () => number) {
  const revoked: { id: string; at: number }[] = [];
  const calls: (number | null)[] = [];
  let failing: Error | null = null;
  let hang = false;
  const load = async (since: number | null): Promise<RevocationFeed> => {
    calls.push(since);
    if (hang) return new Promise(() => undefined);
    if (failing) throw failing;
    return {
      now: clock(),
      sessions: revoked.filter((r) => since === null || r.at >= since).map((r) => [r.id, r.at] as const),
      users: [],
    };
  };
  return {
    load,
    calls,
    revoke: (id: string) => revoked.push({ id, at: clock() }),
    fail: (error: Error | null) => {
      failing = error;
    },
    hangForever: () => {
      hang = true;
    },
  };
}

describe('revocation watch', () => {
  const setup = (pollSeconds = 2, accessTtl = 900) => {
    const clock = manualClock(T);
    const feed = fakeFeed(clock);
    const logs: string[] = [];
    const watch = createRevocationWatch({
      load: feed.load,
      clock,
      pollSeconds,
      accessTtl,
      log: (line) => logs.push(line),
      staleWaitMs: 20,
      loadTimeoutMs: 50,
    });
    return { clock, feed, logs, watch };
  };

  it('loads before the first answer, then answers from memory until the poll interval has passed', async () => {
    const { clock, feed, watch } = setup();
    feed.revoke('s1');
    const first = await watch.current();
    expect(first.set.refuses(token('s1', 'u', T))).toBe(true);
    expect(feed.calls).toEqual([null]);
    // A thousand requests inside the interval: not one more call.
    clock.advance(1999);
    for (let i = 0; i < 1000; i++) await watch.current();
    expect(feed.calls).toHaveLength(1);
  });

  it('refreshes in the background once the interval has passed, asking only for what is new', async () => {
    const { clock, feed, watch } = setup();
    await watch.current();
    feed.revoke('s2');
    clock.advance(2000);
    const due = await watch.current();
    // This request is answered with the set as it was; the refresh runs after it.
    expect(due.background).toBeInstanceOf(Promise);
    await due.background;
    expect((await watch.current()).set.refuses(token('s2', 'u', T))).toBe(true);
    // Since the feed's last `now`, reaching back over commits that landed late.
    expect(feed.calls).toEqual([null, T - FEED_OVERLAP_MS]);
  });

  it('makes a request wait for a set older than twice the interval — briefly', async () => {
    const { clock, feed, watch } = setup();
    await watch.current();
    feed.revoke('s3');
    clock.advance(4000);
    const stale = await watch.current();
    expect(stale.set.refuses(token('s3', 'u', T))).toBe(true);
    // A feed that never answers holds a request for staleWaitMs, not forever (this would time out).
    feed.hangForever();
    clock.advance(4000);
    const held = await watch.current();
    expect(held.set.refuses(token('s3', 'u', T))).toBe(true);
  });

  it('goes on with the last set when the feed fails, says so once, and says when it is back', async () => {
    const { clock, feed, logs, watch } = setup();
    feed.revoke('s1');
    await watch.current();
    feed.fail(new Error('ECONNREFUSED'));
    clock.advance(5000);
    expect((await watch.current()).set.refuses(token('s1', 'u', T))).toBe(true);
    clock.advance(5000);
    await (
      await watch.current()
    ).background;
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/unreachable \(ECONNREFUSED\).*from 5 s ago/);
    feed.fail(null);
    clock.advance(5000);
    await (
      await watch.current()
    ).background;
    expect(logs[1]).toMatch(/reachable again/);
  });

  it('during an outage tries the feed once per interval, and no request waits for it', async () => {
    const { clock, feed, watch } = setup();
    await watch.current();
    feed.fail(new Error('down'));
    clock.advance(4000);
    await watch.current(); // waits (briefly) for the try that fails
    expect(feed.calls).toHaveLength(2);
    feed.hangForever();
    clock.advance(1000);
    // Nothing to wait for: no refresh is even started.
    for (let i = 0; i < 100; i++) expect((await watch.current()).background).toBeUndefined();
    expect(feed.calls).toHaveLength(2);
    clock.advance(1000);
    // An interval after the failure: one more try, in the background.
    expect((await watch.current()).background).toBeInstanceOf(Promise);
    expect(feed.calls).toHaveLength(3);
  });

  it('counts a feed that never answers as failed: the set is never frozen behind it', async () => {
    const { clock, feed, logs, watch } = setup();
    await watch.current();
    feed.hangForever();
    clock.advance(4000);
    await watch.current(); // waits its 20 ms; the load times out 30 ms later
    await watch.refresh(); // joins the hung load until its timeout
    expect(logs[0]).toMatch(/unreachable \(no answer in 50 ms\)/);
    // Failed now: nobody waits, and one new try per interval.
    clock.advance(1000);
    expect((await watch.current()).background).toBeUndefined();
    clock.advance(1000);
    expect((await watch.current()).background).toBeInstanceOf(Promise);
    expect(feed.calls).toHaveLength(3);
  });

  it('refreshes once more when something is revoked here while a refresh is running', async () => {
    const { feed, watch } = setup();
    await watch.current();
    // A poll starts and reads; the revocation is written after its read.
    const running = watch.refresh();
    feed.revoke('late');
    const changed = watch.changed();
    await running;
    await changed;
    expect(watch.set.refuses(token('late', 'u', T))).toBe(true);
    expect(feed.calls).toHaveLength(3);
  });

  it('serves with an empty set when the feed was never reachable, and logs it', async () => {
    const { feed, logs, watch } = setup();
    feed.fail(new Error('down'));
    const { set } = await watch.current();
    expect(set.size).toBe(0);
    expect(logs[0]).toMatch(/none was ever loaded/);
    expect(watch.loadedAt).toBeNull();
  });

  it('shares one refresh between concurrent requests', async () => {
    const { feed, watch } = setup();
    await Promise.all(Array.from({ length: 50 }, () => watch.current()));
    expect(feed.calls).toHaveLength(1);
  });

  it('stays as small as one token lifetime of revocations, however long it runs', async () => {
    const accessTtl = 60;
    const { clock, feed, watch } = setup(2, accessTtl);
    // Ten revocations a second for an hour of simulated time.
    for (let second = 0; second < 3600; second += 2) {
      for (let i = 0; i < 20; i++) feed.revoke(`s-${second}-${i}`);
      clock.advance(2000);
      await watch.refresh();
    }
    expect(watch.set.size).toBeLessThanOrEqual((accessTtl + HORIZON_MARGIN + 2) * 10);
    expect(watch.set.size).toBeGreaterThan(accessTtl * 10);
  });
});

describe('feed parsing', () => {
  it('accepts a well-formed feed and nothing else', () => {
    expect(parseFeed({ now: 1, sessions: [['a', 1]], users: [] })).toEqual({
      now: 1,
      sessions: [['a', 1]],
      users: [],
    });
    for (const bad of [
      null,
      'x',
      { now: '1', sessions: [], users: [] },
      { now: 1, sessions: [[1, 1]], users: [] },
      { now: 1, sessions: [['a']], users: [] },
      { now: 1, sessions: [], users: [['u', '1']] },
      { now: 1, sessions: {}, users: [] },
    ]) {
      expect(parseFeed(bad)).toBeNull();
    }
  });
});
