/**
 * "Now" is always an argument in the core, never `Date.now()` deep inside: tests freeze and
 * advance it instead of sleeping. Values are milliseconds since the epoch.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock for tests: starts at `start` and moves only when told to. */
export function manualClock(start = Date.UTC(2026, 0, 1)): Clock & {
  advance(ms: number): void;
  set(ms: number): void;
} {
  let now = start;
  const clock = (() => now) as Clock & { advance(ms: number): void; set(ms: number): void };
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

export const toSeconds = (ms: number): number => Math.floor(ms / 1000);
