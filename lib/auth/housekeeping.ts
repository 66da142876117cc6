import type { Clock } from '../edge/clock';
import type { AuthConfig } from '../edge/config';
import type { PurgeResult, Store } from './store';

/**
 * Deleting what Gatehouse no longer needs: sessions that ended more than the retention ago, and
 * audit events older than theirs. Framework-free: the server starts it, the users command's
 * `purge` runs it once.
 */
const DAY_MS = 86_400_000;

/** Delay before the first purge after start: out of the way of start-up, but not an hour away. */
export const FIRST_PURGE_DELAY_MS = 30_000;

export type HousekeepingSettings = Pick<AuthConfig, 'housekeeping'>;

export function purgeCutoffs(config: HousekeepingSettings, now: number) {
  return {
    sessionsEndedBefore: now - config.housekeeping.sessionRetentionDays * DAY_MS,
    eventsBefore: now - config.housekeeping.eventRetentionDays * DAY_MS,
    // An ended session's address and user agent go at once; the audit trail keeps its copy.
    scrubEndedBefore: now,
    // Second sign-in steps and passkey challenges are worth nothing once expired.
    expiredBefore: now,
  };
}

export function purgeExpired(store: Store, config: HousekeepingSettings, now: number): Promise<PurgeResult> {
  return store.purge(purgeCutoffs(config, now));
}

/**
 * Purges shortly after start, then every `purgeInterval` seconds (never when 0). The timers are
 * unref'd, so they never keep a process alive; a failed purge is logged and tried again next
 * time, never thrown (the database being down is not a reason to crash the server). Several
 * instances may each run it: deleting what is already gone costs nothing. Returns `stop`.
 */
export function startHousekeeping(
  store: Store,
  config: HousekeepingSettings,
  clock: Clock,
  log: (line: string) => void = console.log,
): () => void {
  const interval = config.housekeeping.purgeInterval;
  if (interval === 0) return () => undefined;
  let running = false;
  const run = async () => {
    // A purge slower than the interval must not start a second one beside it.
    if (running) return;
    running = true;
    try {
      const { sessions, events } = await purgeExpired(store, config, clock());
      if (sessions > 0 || events > 0) {
        log(`[gatehouse] housekeeping: deleted ${sessions} ended session(s) and ${events} audit event(s)`);
      }
    } catch (error) {
      const cause = (error as { cause?: { message?: string } })?.cause?.message;
      log(
        `[gatehouse] housekeeping failed, will retry: ${(error as Error)?.message ?? String(error)}${cause ? ` (${cause})` : ''}`,
      );
    } finally {
      running = false;
    }
  };
  const first = setTimeout(run, Math.min(FIRST_PURGE_DELAY_MS, interval * 1000));
  const every = setInterval(run, interval * 1000);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
