import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ServerBusyError } from '../edge/errors';
import { limitHashing } from './hash-limit';
import type { PasswordHasher } from './passwords';

/**
 * A hasher whose calls finish only when the test says so, recording how many ran at once and
 * in which order they started.
 */
function fakeHasher() {
  const pending: { label: string; finish: (fail?: boolean) => void }[] = [];
  const state = { running: 0, max: 0, started: [] as string[] };
  const call =
    <R>(value: R) =>
    (label: string) =>
      new Promise<R>((resolve, reject) => {
        state.running++;
        state.max = Math.max(state.max, state.running);
        state.started.push(label);
        pending.push({
          label,
          finish: (fail) => {
            state.running--;
            if (fail) reject(new Error(`boom ${label}`));
            else resolve(value);
          },
        });
      });
  const hasher: PasswordHasher = {
    hash: call('hashed'),
    verify: (_hash, password) => call(true)(password),
    verifyDummy: call(undefined),
    needsRehash: (hash) => hash === 'old',
  };
  /** Finishes every call started so far, then lets the freed slots fill again. */
  const drain = async (fail = false) => {
    while (pending.length > 0) {
      for (const p of pending.splice(0)) p.finish(fail);
      await flush();
    }
  };
  return { hasher, state, pending, drain };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Settles at once (so no refusal goes unhandled while the test drains the others), counts later. */
function track(promises: Promise<unknown>[]) {
  const settled = Promise.allSettled(promises);
  return async () => count(await settled);
}

function count(settled: PromiseSettledResult<unknown>[]) {
  return {
    ok: settled.filter((s) => s.status === 'fulfilled').length,
    busy: settled.filter((s) => s.status === 'rejected' && s.reason instanceof ServerBusyError).length,
    failed: settled.filter((s) => s.status === 'rejected' && !(s.reason instanceof ServerBusyError)).length,
  };
}

describe('limitHashing', () => {
  it('100 at once: `concurrency` run, `queue` wait, the rest are refused at once with Retry-After 1', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 4, queue: 10 });
    const calls = Array.from({ length: 100 }, (_, i) =>
      i % 3 === 0
        ? limited.hash(`p${i}`)
        : i % 3 === 1
          ? limited.verify('h', `p${i}`)
          : limited.verifyDummy(`p${i}`),
    );
    const callsOutcomes = track(calls);
    const refusals = calls.map((c) =>
      c.then(
        () => null,
        (e: unknown) => e,
      ),
    );
    await flush();
    // Refused before any hashing finished: nobody waited for a slot to learn the answer.
    expect(fake.state.started).toHaveLength(4);
    const refused = (await Promise.race([
      Promise.all(refusals.slice(14)),
      flush().then(() => 'pending'),
    ])) as unknown[];
    expect(refused).toHaveLength(86);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ServerBusyError);
      expect(error).toMatchObject({ status: 503, code: 'server_busy', retryAfter: 1 });
    }

    await fake.drain();
    expect(await callsOutcomes()).toEqual({ ok: 14, busy: 86, failed: 0 });
    expect(fake.state.max).toBe(4);
    // First come, first served: the queue ran in arrival order.
    expect(fake.state.started).toEqual(Array.from({ length: 14 }, (_, i) => `p${i}`));
  });

  it('takes new calls again once the slots are free', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 2, queue: 1 });
    const first = Array.from({ length: 5 }, () => limited.hash('x'));
    const firstOutcomes = track(first);
    await flush();
    await fake.drain();
    expect(await firstOutcomes()).toEqual({ ok: 3, busy: 2, failed: 0 });
    const second = Array.from({ length: 5 }, () => limited.hash('x'));
    const secondOutcomes = track(second);
    await flush();
    await fake.drain();
    expect(await secondOutcomes()).toEqual({ ok: 3, busy: 2, failed: 0 });
    expect(fake.state.max).toBe(2);
  });

  it('releases the slot when a call throws', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 2, queue: 2 });
    const failing = Array.from({ length: 6 }, () => limited.hash('x'));
    const failingOutcomes = track(failing);
    await flush();
    await fake.drain(true);
    expect(await failingOutcomes()).toEqual({ ok: 0, busy: 2, failed: 4 });
    expect(fake.state.running).toBe(0);

    const after = Array.from({ length: 4 }, () => limited.verify('h', 'x'));
    const afterOutcomes = track(after);
    await flush();
    expect(fake.state.running).toBe(2);
    await fake.drain();
    expect(await afterOutcomes()).toEqual({ ok: 4, busy: 0, failed: 0 });
  });

  it('with no queue, refuses everything beyond the running slots', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 3, queue: 0 });
    const calls = Array.from({ length: 10 }, () => limited.verifyDummy('x'));
    const callsOutcomes = track(calls);
    await flush();
    await fake.drain();
    expect(await callsOutcomes()).toEqual({ ok: 3, busy: 7, failed: 0 });
  });

  it('concurrency 0 means one slot per CPU core', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 0, queue: 0 });
    const cores = availableParallelism();
    const calls = Array.from({ length: cores + 5 }, () => limited.hash('x'));
    const callsOutcomes = track(calls);
    await flush();
    expect(fake.state.running).toBe(cores);
    await fake.drain();
    expect(await callsOutcomes()).toEqual({ ok: cores, busy: 5, failed: 0 });
  });

  it('passes results and needsRehash through untouched, without taking a slot for it', async () => {
    const fake = fakeHasher();
    const limited = limitHashing(fake.hasher, { concurrency: 1, queue: 0 });
    const hashing = limited.hash('x');
    expect(limited.needsRehash('old')).toBe(true);
    expect(limited.needsRehash('new')).toBe(false);
    await flush();
    await fake.drain();
    expect(await hashing).toBe('hashed');
    const verifying = limited.verify('h', 'x');
    await flush();
    await fake.drain();
    expect(await verifying).toBe(true);
  });
});
