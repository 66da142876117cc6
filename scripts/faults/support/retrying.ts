import { classify, type Answer } from './answers';
import { TransportError, type Reply } from './http-client';
import { sleep } from './verdict';

/**
 * A client that retries as a browser tab (or a well-behaved API client) would: when nothing
 * answered, the balancer said no instance could, or the app said "unavailable, try again" —
 * never after an answer that means something (signed in, signed out, refused). It keeps the
 * cookies it has, so its retry carries the same refresh token and lands in the grace window.
 */
export type Seen = Answer | `no answer (${string})`;

export interface Attempts {
  /** What each attempt got, in order. */
  readonly seen: readonly Seen[];
  /** The last answer, or 'gave up' when the retries ran out without a meaning one. */
  readonly final: Seen | 'gave up';
  /** When each attempt was sent, ms after the first (so [0, …]). */
  readonly sentAfterMs: readonly number[];
}

export const RETRYABLE: ReadonlySet<Seen> = new Set(['balancer-error', 'unavailable-503', 'try-again']);

export async function withRetries(
  attempt: () => Promise<Reply>,
  options: {
    /** Extra attempts after the first; 0: never retry. */
    readonly retries: number;
    /** No retry is sent this long after the first attempt (the grace window the client can count on). */
    readonly windowMs: number;
    readonly pauseMs?: number;
    /** Called with each attempt's answer as it arrives (the storm counts answers to time its kill). */
    readonly onAnswer?: (seen: Seen, index: number) => void;
  },
): Promise<Attempts> {
  const seen: Seen[] = [];
  const sentAfterMs: number[] = [];
  const first = performance.now();
  for (let i = 0; ; i++) {
    sentAfterMs.push(performance.now() - first);
    let answer: Seen;
    try {
      answer = classify(await attempt());
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      answer = `no answer (${error.code})`;
    }
    seen.push(answer);
    options.onAnswer?.(answer, i);
    const retryable = RETRYABLE.has(answer) || answer.startsWith('no answer');
    if (!retryable) return { seen, final: answer, sentAfterMs };
    if (i >= options.retries || performance.now() + (options.pauseMs ?? 100) - first >= options.windowMs)
      return { seen, final: 'gave up', sentAfterMs };
    await sleep(options.pauseMs ?? 100);
  }
}
