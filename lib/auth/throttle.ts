import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { addressKey } from './client-address';
import type { Clock } from '../edge/clock';
import type { ThrottleConfig } from '../edge/config';
import {
  DEVICE_TOKEN_TTL,
  deviceCookieName,
  issueDeviceToken,
  verifyDeviceToken,
  type PasswordEpoch,
} from './device-cookie';
import { ServerBusyError, TooManyAttemptsError } from '../edge/errors';
import { mac } from '../edge/keys';
import type { RandomBytes } from '../edge/random';
import { usernameKey } from './store';

/**
 * Sign-in throttling: online password guessing made slow and bounded, without handing an
 * attacker a way to lock real users out. Every attempt is charged before any password is
 * hashed, atomically in the shared store, so neither a parallel burst nor a second instance
 * slips past a limit. Counted per attempt, refunded on success (so the counts are failures):
 *
 *  - per account: consecutive failures from anywhere (config.account). A browser holding a
 *    valid device cookie for the account is charged to its own device counter instead
 *    (config.device), so guessing Jon's password elsewhere cannot keep Jon out of his browser;
 *  - per (account, address): config.pair, so one address gives up on an account long before
 *    the account itself is blocked for everyone else;
 *  - per address (IPv6: per /64): config.address different usernames failed within an hour,
 *    which is what password spraying looks like.
 *
 * A counter that goes over its limit blocks its key for blockMin seconds, doubling with each
 * further block of that key within a day, up to blockMax. When a block ends the counter starts
 * afresh: the attacker's rate falls to `limit` guesses per block, while a real user is never
 * locked out for longer than blockMax (and not at all from a browser he has signed in with).
 *
 * The throttle never asks whether a username exists: unknown and known names are counted
 * alike, and only keyed hashes of names reach the store.
 */
export interface ThrottleOptions {
  /** Where counters live: a LimiterBackend from lib/store/limiters.ts. */
  readonly counters: CounterSource;
  /** keyring.macs: `account` hashes usernames, `device` signs device cookies. */
  readonly keys: { readonly account: CryptoKey; readonly device: CryptoKey };
  readonly config: ThrottleConfig;
  /** Whether the device cookie's name gets `__Host-` (config.cookieSecure). */
  readonly cookieSecure: boolean;
  /** Dates device cookies. Counter windows run on the store's clock (Date.now, or Redis's). */
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** Device cookie lifetime in seconds; 180 days by default. */
  readonly deviceTtl?: number;
  /** Store errors the throttle chose to survive (resets after a sign-in, refresh counting). */
  readonly onError?: (error: unknown) => void;
}

export interface CounterSource {
  limiter(options: { keyPrefix: string; points: number; duration: number }): RateLimiterAbstract;
}

export interface SignInRequest {
  readonly username: string;
  /** The client address (clientAddress()); null counts in one shared "unknown" bucket. */
  readonly ip: string | null;
  /** The request's cookie of that name, if any. */
  readonly readCookie: (name: string) => string | undefined;
  /**
   * The account's passwordChangedAt (null: never changed, or no such account): device cookies
   * minted under another password do not count. Looked up by the caller before begin(), for
   * known and unknown names alike.
   */
  readonly passwordEpoch: PasswordEpoch;
}

/** What the handler sets after a good password: Set-Cookie name, value and Max-Age. */
export interface DeviceCookie {
  readonly name: string;
  readonly value: string;
  readonly maxAge: number;
}

export interface SignInAttempt {
  /** The keyed hash of the username (its first 16 characters are the audit trail's hash). */
  readonly account: string;
  /** Whether a valid device cookie replaced the per-account counter. */
  readonly knownDevice: boolean;
  /**
   * The password was right: refund this attempt, reset the failure counts, issue a device
   * cookie. `passwordEpoch` when the password has just changed (a password change from the
   * account page): the cookie is minted for the new password, as a new device.
   */
  succeeded(options?: { readonly passwordEpoch?: PasswordEpoch }): Promise<DeviceCookie>;
  /** The password was wrong (or the account disabled): the attempt stays counted. */
  failed(): Promise<void>;
  /** No password was checked (say, hashing was busy): refund this attempt, reset nothing. */
  abandoned(): Promise<void>;
}

export interface Throttle {
  /** Charges an attempt before any hashing; TooManyAttemptsError (429) when over a limit. */
  begin(request: SignInRequest): Promise<SignInAttempt>;
  /** TooManyAttemptsError when this address has failed too many refreshes lately. */
  checkRefresh(ip: string | null): Promise<void>;
  /** Counts one refused refresh (invalid_grant) from this address. */
  refreshFailed(ip: string | null): Promise<void>;
  /**
   * TooManyAttemptsError when this address has failed too many passkey sign-ins lately (more
   * than config.refresh in ten minutes: passkeys cannot be guessed either, so it only sheds
   * noise). Counted apart from refreshes, so a script failing passkeys never blocks refreshes.
   */
  checkPasskey(ip: string | null): Promise<void>;
  /** Counts one refused passkey sign-in from this address. */
  passkeyFailed(ip: string | null): Promise<void>;
  /**
   * An admin's "unlock": forgets the account's failures and blocks (and their escalation), and
   * those of the (account, address) pairs for the addresses given (the audit trail knows where
   * the failures came from). Per-address spraying counts are left alone: they are not the
   * account's. Device counters are per browser and expire by themselves.
   */
  unlock(username: string, addresses: readonly (string | null)[]): Promise<void>;
}

/** Failures are forgotten after a day without a success; so are past blocks. */
const FAILURE_WINDOW = 86_400;
const ADDRESS_WINDOW = 3_600;
const REFRESH_WINDOW = 600;
const STRIKE_WINDOW = 86_400;
/** The account's devices together may fail this many times the per-device limit a day. */
export const DEVICES_PER_ACCOUNT = 5;

/** Keyed hash of the username's case-folded form: `JON` and `ｊｏｎ` are one account. */
export function accountHash(key: CryptoKey, username: string): Promise<string> {
  return mac(key, usernameKey(username), 16);
}

export function createThrottle(options: ThrottleOptions): Throttle {
  const { counters, keys, config, clock, random } = options;
  const onError = options.onError ?? ((error) => console.error('[gatehouse] throttle', error));
  const deviceTtl = options.deviceTtl ?? DEVICE_TOKEN_TTL;
  const counter = (name: string, points: number, duration: number): Counter => ({
    name,
    points,
    limiter: counters.limiter({ keyPrefix: `signin-${name}`, points, duration }),
  });
  const account = counter('account', config.account, FAILURE_WINDOW);
  const device = counter('device', config.device, FAILURE_WINDOW);
  // Every device of one account together: a password once known mints device cookies, and
  // each must not bring its own fresh allowance for guessing after the password has changed.
  const accountDevices = counter('account-devices', config.device * DEVICES_PER_ACCOUNT, FAILURE_WINDOW);
  const pair = counter('pair', config.pair, FAILURE_WINDOW);
  const address = counter('address', config.address, ADDRESS_WINDOW);
  // One marker per (address, username) an hour, so the address counter sees each name once.
  const tried = counters.limiter({ keyPrefix: 'signin-tried', points: 1, duration: ADDRESS_WINDOW });
  const strikes = counters.limiter({
    keyPrefix: 'signin-strikes',
    points: 1_000_000,
    duration: STRIKE_WINDOW,
  });
  const refreshes = counters.limiter({
    keyPrefix: 'refresh-failed',
    points: config.refresh,
    duration: REFRESH_WINDOW,
  });
  const passkeys = counters.limiter({
    keyPrefix: 'passkey-failed',
    points: config.refresh,
    duration: REFRESH_WINDOW,
  });

  /**
   * Blocks a key that has just gone over its limit, for blockMin doubled by each earlier block
   * of the same key today (capped at blockMax); returns the block's length in seconds.
   */
  async function escalate(charge: Charge): Promise<number> {
    const { consumedPoints: n } = await strikes.penalty(`${charge.counter.name}|${charge.key}`);
    const seconds = Math.min(config.blockMin * 2 ** Math.min(n - 1, 30), config.blockMax);
    await charge.counter.limiter.block(charge.key, seconds);
    return seconds;
  }

  async function begin(request: SignInRequest): Promise<SignInAttempt> {
    const accountId = await accountHash(keys.account, request.username);
    const where = addressKey(request.ip);
    const cookieName = deviceCookieName(accountId, options.cookieSecure);
    const nonce = await verifyDeviceToken(
      keys.device,
      accountId,
      request.readCookie(cookieName),
      clock(),
      request.passwordEpoch,
    );
    // A browser with a valid device cookie for this account is counted as that device (and with
    // the account's other devices), not by the account or the address it shares: neither an
    // attacker elsewhere nor one behind the same NAT can lock it out.
    const charges: Charge[] = nonce
      ? [
          { counter: device, key: nonce },
          { counter: accountDevices, key: accountId },
        ]
      : [
          { counter: account, key: accountId },
          { counter: pair, key: `${accountId}|${where}` },
        ];
    const countsAddress = nonce === null;
    const marker = `${where}|${accountId}`;

    let results: RateLimiterRes[];
    let firstTry: boolean;
    let addressState: RateLimiterRes | null;
    try {
      [results, [firstTry, addressState]] = await Promise.all([
        Promise.all(charges.map((c) => take(c.counter.limiter.consume(c.key)))),
        (async (): Promise<[boolean, RateLimiterRes | null]> => {
          if (!countsAddress) return [false, null];
          const first = (await tried.penalty(marker)).consumedPoints === 1;
          // A name already counted from here is only checked against the address's block.
          return [
            first,
            first ? await take(address.limiter.consume(where)) : await address.limiter.get(where),
          ];
        })(),
      ]);
    } catch (error) {
      throw unavailable(error);
    }
    if (firstTry) {
      charges.push({ counter: address, key: where });
      results.push(addressState!);
    }

    const over = charges.map((c, i) => isOver(results[i]!, c.counter.points));
    const addressBlocked = !firstTry && addressState !== null && isOver(addressState, address.points);
    if (over.some(Boolean) || addressBlocked) {
      const waits = await Promise.all(
        charges.map(async (c, i) => {
          const res = results[i]!;
          if (!over[i]) return 0;
          // Only the attempt that crossed the limit blocks the key; the others read the block.
          if (res.consumedPoints === c.counter.points + 1) return escalate(c);
          // A racer may see the counting window before the crosser's block lands.
          return Math.min(res.msBeforeNext / 1000, config.blockMax);
        }),
      ).catch((error: unknown) => {
        throw unavailable(error);
      });
      if (addressBlocked) waits.push(Math.min(addressState!.msBeforeNext / 1000, config.blockMax));
      // A refused attempt tested no password, so it counts only where it was refused: the other
      // counters get their point back (best effort: a lost refund only errs on the strict side).
      await Promise.allSettled([
        ...charges.filter((_, i) => !over[i]).map((c) => c.counter.limiter.reward(c.key)),
        ...(firstTry ? [tried.delete(marker)] : []),
      ]);
      throw new TooManyAttemptsError(Math.max(...waits));
    }

    let settled = false;
    const settle = () => {
      if (settled) throw new Error('sign-in attempt already settled');
      settled = true;
    };
    const survive = (promises: Promise<unknown>[]) =>
      Promise.allSettled(promises).then((all) => {
        for (const r of all) if (r.status === 'rejected') onError(r.reason);
      });

    return {
      account: accountId,
      knownDevice: nonce !== null,
      async succeeded(outcome = {}) {
        settle();
        // The password was right, so the failures before it were the user's own typos: reset the
        // consecutive counts (strikes stay: a day's blocks still escalate). A success through a
        // device cookie resets that device only — not the account's, nor all its devices', or
        // every sign-in of the real user would hand an attacker a fresh allowance.
        const [primary, second] = charges as [Charge, Charge];
        await survive([
          primary.counter.limiter.delete(primary.key),
          nonce ? second.counter.limiter.reward(second.key) : second.counter.limiter.delete(second.key),
          ...(countsAddress
            ? [tried.delete(marker).then((existed) => (existed ? address.limiter.reward(where) : null))]
            : []),
        ]);
        // A known device keeps its nonce (and so its counter); only a new browser gets a new one,
        // and so does every browser after a password change (its old token no longer counts).
        const epoch = outcome.passwordEpoch === undefined ? request.passwordEpoch : outcome.passwordEpoch;
        const value = await issueDeviceToken(keys.device, accountId, {
          now: clock(),
          random,
          ttl: deviceTtl,
          passwordEpoch: epoch,
          nonce: epoch === request.passwordEpoch ? (nonce ?? undefined) : undefined,
        });
        return { name: cookieName, value, maxAge: deviceTtl };
      },
      async failed() {
        settle();
      },
      async abandoned() {
        settle();
        await survive([
          ...charges.map((c) => c.counter.limiter.reward(c.key)),
          ...(firstTry ? [tried.delete(marker)] : []),
        ]);
      },
    };
  }

  // Refresh (and passkey) counting fails open: neither credential can be guessed, so the limit
  // only sheds noise, and an outage of the counters must not sign everybody out.
  async function checkAddress(limiter: RateLimiterAbstract, ip: string | null): Promise<void> {
    let state: RateLimiterRes | null;
    try {
      state = await limiter.get(addressKey(ip));
    } catch (error) {
      onError(error);
      return;
    }
    if (state && isOver(state, config.refresh)) throw new TooManyAttemptsError(state.msBeforeNext / 1000);
  }

  const checkRefresh = (ip: string | null) => checkAddress(refreshes, ip);
  const checkPasskey = (ip: string | null) => checkAddress(passkeys, ip);

  async function refreshFailed(ip: string | null): Promise<void> {
    await refreshes.penalty(addressKey(ip)).catch(onError);
  }

  async function passkeyFailed(ip: string | null): Promise<void> {
    await passkeys.penalty(addressKey(ip)).catch(onError);
  }

  async function unlock(username: string, addresses: readonly (string | null)[]): Promise<void> {
    const accountId = await accountHash(keys.account, username);
    const pairs = [...new Set(addresses.map((ip) => `${accountId}|${addressKey(ip)}`))];
    const forget = [
      { counter: account, key: accountId },
      { counter: accountDevices, key: accountId },
      ...pairs.map((key) => ({ counter: pair, key })),
    ];
    try {
      await Promise.all(
        forget.flatMap(({ counter: c, key }) => [c.limiter.delete(key), strikes.delete(`${c.name}|${key}`)]),
      );
    } catch (error) {
      throw unavailable(error);
    }
  }

  return { begin, checkRefresh, refreshFailed, checkPasskey, passkeyFailed, unlock };
}

interface Counter {
  readonly name: string;
  readonly points: number;
  readonly limiter: RateLimiterAbstract;
}

interface Charge {
  readonly counter: Counter;
  readonly key: string;
}

/** A consume's result, whether it was allowed or refused; store errors still throw. */
function take(consume: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  return consume.catch((reason: unknown) => {
    if (isLimiterRes(reason)) return reason;
    throw reason;
  });
}

function isLimiterRes(value: unknown): value is RateLimiterRes {
  return !(value instanceof Error) && typeof (value as RateLimiterRes | null)?.consumedPoints === 'number';
}

/** Over the limit and still inside its window (an in-memory counter may outlive its window). */
function isOver(res: RateLimiterRes, points: number): boolean {
  return res.consumedPoints > points && res.msBeforeNext > 0;
}

/**
 * The counters' store failed. Sign-in fails closed: without the counters, every password
 * check would be an unlimited guess. 503 with Retry-After, the cause kept for the log.
 */
function unavailable(error: unknown): ServerBusyError {
  const busy = new ServerBusyError(5, 'sign-in counters are unavailable');
  Object.defineProperty(busy, 'cause', { value: error, enumerable: false });
  return busy;
}
