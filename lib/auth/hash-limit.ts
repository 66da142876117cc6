import { availableParallelism } from 'node:os';
import { ServerBusyError } from '../edge/errors';
import type { PasswordHasher } from './passwords';

export interface HashLimits {
  /** Hashes running at once; 0 means one per CPU core. */
  readonly concurrency: number;
  /** Calls allowed to wait for a slot, first come first served. */
  readonly queue: number;
}

/**
 * Bounds password hashing. Each argon2id call holds ~19 MiB and a libuv thread for tens of
 * milliseconds, so a flood of sign-ins (even refused ones, since unknown users cost a dummy
 * verification) would otherwise queue without limit, eat the memory and starve every other
 * request of the thread pool. Beyond the slots and a short queue, callers get ServerBusyError
 * (503, Retry-After 1) at once: a fast "no" is cheaper for everyone than a slow one.
 */
export function limitHashing(hasher: PasswordHasher, limits: HashLimits): PasswordHasher {
  const slots = limits.concurrency > 0 ? limits.concurrency : availableParallelism();
  const waiting: (() => void)[] = [];
  let running = 0;

  const acquire = (): Promise<void> | undefined => {
    if (running < slots) {
      running++;
      return undefined;
    }
    if (waiting.length >= limits.queue) throw new ServerBusyError(1);
    return new Promise((resolve) => waiting.push(resolve));
  };
  // The slot passes straight to the next waiter, so a newcomer can never overtake the queue.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const limited =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await acquire();
      try {
        return await run(...args);
      } finally {
        release();
      }
    };

  return {
    hash: limited((password: string) => hasher.hash(password)),
    verify: limited((hash: string, password: string) => hasher.verify(hash, password)),
    verifyDummy: limited((password: string) => hasher.verifyDummy(password)),
    needsRehash: (hash) => hasher.needsRehash(hash),
  };
}
