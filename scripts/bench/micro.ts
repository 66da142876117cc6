import type { AccessCheck, CheckId } from './access-checks';
import { median, pairedRatio } from './stats';

/**
 * Times the access checks in one process, interleaved finely: within a round the checks take
 * turns of about TURN_MS each (the first to go rotating from round to round) until each has
 * run for `sliceMs`, so a noisy neighbour, a GC pause or a slow second lands on all of them
 * alike instead of on whichever was running then. Each call is awaited before the next — one
 * request's worth of work, its latency included — as a middleware handling a request would.
 */
export interface MicroOptions {
  readonly rounds: number;
  /** Time each check runs for per round, in turns. */
  readonly sliceMs: number;
  readonly warmupCalls: number;
}

export interface MicroResult {
  readonly id: CheckId;
  readonly label: string;
  readonly short: string;
  /** ops/s of each round, in round order (paired with the other checks' rounds). */
  readonly rounds: readonly number[];
  readonly opsPerSecond: number;
  readonly microsPerOp: number;
}

export const TURN_MS = 2;

export async function runMicro(
  checks: readonly AccessCheck[],
  options: MicroOptions,
): Promise<MicroResult[]> {
  for (const { check } of checks) for (let i = 0; i < options.warmupCalls; i++) await check();
  const rounds = new Map<CheckId, number[]>(checks.map((c) => [c.id, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = checks.map((_, k) => checks[(round + k) % checks.length]!);
    const spent = order.map(() => ({ millis: 0, calls: 0 }));
    while (spent.some((s) => s.millis < options.sliceMs)) {
      for (let k = 0; k < order.length; k++) {
        const start = performance.now();
        let calls = 0;
        let elapsed = 0;
        do {
          await order[k]!.check();
          calls++;
          elapsed = performance.now() - start;
        } while (elapsed < TURN_MS);
        spent[k]!.millis += elapsed;
        spent[k]!.calls += calls;
      }
    }
    order.forEach(({ id }, k) => rounds.get(id)!.push(spent[k]!.calls / (spent[k]!.millis / 1000)));
  }
  return checks.map(({ id, label, short }) => {
    const series = rounds.get(id)!;
    const ops = median(series);
    return { id, label, short, rounds: series, opsPerSecond: ops, microsPerOp: 1e6 / ops };
  });
}

/** How many times slower `slower` is than `faster`, per round, the median of those. */
export function timesSlower(results: readonly MicroResult[], slower: CheckId, faster: CheckId): number {
  const of = (id: CheckId) => results.find((r) => r.id === id)!.rounds;
  // ops/s of the faster over ops/s of the slower = time of the slower over time of the faster.
  return pairedRatio(of(faster), of(slower));
}
