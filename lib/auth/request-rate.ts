import { addressKey } from './client-address';
import type { Clock } from '../edge/clock';

/**
 * A per-address token bucket for sign-in requests, in process memory: the cheap first layer
 * in front of the shared failure counters (throttle.ts). Those make guessing slow, but each
 * refusal still costs a trip through Next.js and the counters' store (~1–2 ms); a client that
 * sends hundreds of sign-ins a second would keep the event loop busy refusing it, and every
 * signed-in user would wait behind the flood. This answers such a client before Next.js sees
 * the request, for a few microseconds. (better-auth limits sign-in requests per address the
 * same way; ours is far above what a person — or an office behind one NAT — ever sends.)
 *
 * Each address (IPv6: each /64) holds up to `burst` requests and earns `perSecond` back.
 * Per process by design: it sheds load here; the limits that bound guessing are shared.
 */
export interface RequestRate {
  /** 0 when the request may go on, else the seconds until one would be allowed. */
  take(ip: string | null): number;
  /** Addresses currently tracked (the map is swept, never unbounded). */
  readonly size: number;
}

export interface RequestRateOptions {
  readonly burst: number;
  readonly perSecond: number;
  readonly clock: Clock;
  /** Most addresses tracked at once; beyond it the stalest are forgotten. */
  readonly maxTracked?: number;
}

export function createRequestRate({
  burst,
  perSecond,
  clock,
  maxTracked = 100_000,
}: RequestRateOptions): RequestRate {
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refill(bucket: { tokens: number; at: number }, now: number) {
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
  }

  function sweep(now: number) {
    // Full buckets carry no information; forget them first, then the oldest if still too many.
    for (const [key, bucket] of buckets) {
      refill(bucket, now);
      if (bucket.tokens >= burst) buckets.delete(key);
    }
    for (const key of buckets.keys()) {
      if (buckets.size < maxTracked) break;
      buckets.delete(key);
    }
  }

  return {
    take(ip) {
      const now = clock();
      const key = addressKey(ip);
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxTracked) sweep(now);
        bucket = { tokens: burst, at: now };
        buckets.set(key, bucket);
      } else {
        refill(bucket, now);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
    get size() {
      return buckets.size;
    },
  };
}
