import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../edge/errors';
import { FIRST_PURGE_DELAY_MS, purgeExpired, startHousekeeping } from './housekeeping';
import type { PurgeCutoffs, PurgeResult, Store } from './store';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12);
const config = (purgeInterval = 3600) => ({
  housekeeping: { sessionRetentionDays: 7, eventRetentionDays: 90, purgeInterval },
});

/** Only purge is used; the calls are what the tests look at. */
function fakeStore(result: () => Promise<PurgeResult>) {
  const calls: PurgeCutoffs[] = [];
  const store = {
    purge: async (cutoffs: PurgeCutoffs) => {
      calls.push(cutoffs);
      return result();
    },
  } as unknown as Store;
  return { store, calls };
}

describe('purgeExpired', () => {
  it('deletes sessions ended over the session retention ago, and events over the event retention', async () => {
    const { store, calls } = fakeStore(async () => ({ sessions: 2, events: 5 }));
    expect(await purgeExpired(store, config(), NOW)).toEqual({ sessions: 2, events: 5 });
    expect(calls).toEqual([{ sessionsEndedBefore: NOW - 7 * DAY, eventsBefore: NOW - 90 * DAY, scrubEndedBefore: NOW, expiredBefore: NOW }]);
  });
});

describe('startHousekeeping', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('purges shortly after start, then every interval, logging what it deleted; stop ends it', async () => {
    const { store, calls } = fakeStore(async () => ({ sessions: 1, events: 0 }));
    const log: string[] = [];
    const stop = startHousekeeping(
      store,
      config(60),
      () => NOW,
      (line) => log.push(line),
    );
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(FIRST_PURGE_DELAY_MS);
    expect(calls).toHaveLength(1);
    expect(log).toEqual(['[gatehouse] housekeeping: deleted 1 ended session(s) and 0 audit event(s)']);
    await vi.advanceTimersByTimeAsync(60_000 * 3);
    expect(calls).toHaveLength(4);
    stop();
    await vi.advanceTimersByTimeAsync(60_000 * 3);
    expect(calls).toHaveLength(4);
  });

  it('logs a failed purge and tries again next time, never throwing', async () => {
    let fail = true;
    const { store, calls } = fakeStore(async () => {
      if (fail)
        throw new UnavailableError('the database did not answer', { cause: new Error('ECONNREFUSED') });
      return { sessions: 0, events: 3 };
    });
    const log: string[] = [];
    const stop = startHousekeeping(
      store,
      config(3600),
      () => NOW,
      (line) => log.push(line),
    );
    await vi.advanceTimersByTimeAsync(FIRST_PURGE_DELAY_MS);
    expect(log).toEqual([
      '[gatehouse] housekeeping failed, will retry: the database did not answer (ECONNREFUSED)',
    ]);
    fail = false;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toHaveLength(2);
    expect(log[1]).toBe('[gatehouse] housekeeping: deleted 0 ended session(s) and 3 audit event(s)');
    stop();
  });

  it('never starts a second purge while one is still running', async () => {
    let finish: (r: PurgeResult) => void = () => undefined;
    const { store, calls } = fakeStore(() => new Promise((resolve) => (finish = resolve)));
    const stop = startHousekeeping(
      store,
      config(10),
      () => NOW,
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(10_000 * 5);
    expect(calls).toHaveLength(1);
    finish({ sessions: 0, events: 0 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    stop();
  });

  it('does nothing on a timer when the interval is 0', async () => {
    const { store, calls } = fakeStore(async () => ({ sessions: 0, events: 0 }));
    const stop = startHousekeeping(
      store,
      config(0),
      () => NOW,
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(30 * DAY);
    expect(calls).toHaveLength(0);
    stop();
  });

  it('does not keep the process alive', () => {
    const { store } = fakeStore(async () => ({ sessions: 0, events: 0 }));
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const stop = startHousekeeping(
      store,
      config(),
      () => NOW,
      () => undefined,
    );
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    stop();
    spy.mockRestore();
  });
});
