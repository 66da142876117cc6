import { parseConfig, type AuthConfig, type Env } from '../edge/config';
import { hasCode, StartupRefusedError } from '../edge/errors';
import { createGatehouse, type Gatehouse } from '../auth/gatehouse';
import { startHousekeeping } from '../auth/housekeeping';
import { createArgon2Hasher } from '../auth/passwords';
import { commonWords } from '../auth/wordlist';
import { systemClock } from '../edge/clock';
import { cryptoRandom } from '../edge/random';
import { limiterBackendOptions, openLimiterBackend } from '../store/limiters';
import { openStore } from '../store/open';
import { demoBanner, demoLeftoverRefusal, seedDemoUsers } from './demo';

/**
 * Everything a start must get right before the first request: configuration (one error that
 * lists every problem), the database and its migrations, the demo seed — or, in production,
 * the refusal to serve while the demo's accounts still accept the published password. Shared
 * by the Next.js runtime (lib/server/runtime.ts, via instrumentation.ts) and the custom server
 * (server.ts), which runs it before it listens. No `server-only` here: server.ts runs it
 * outside React's server environment.
 */
export function loadConfig(env: Env = process.env): AuthConfig {
  return parseConfig(env, { secretWords: commonWords() });
}

export interface Started {
  readonly gh: Gatehouse;
  /** Closes the database and the sign-in counters' store. */
  close(): Promise<void>;
}

export async function startGatehouse(
  config: AuthConfig,
  log: (line: string) => void = console.log,
  options: {
    /** Purge ended sessions and old audit events on a timer (the long-lived instance only). */
    readonly housekeeping?: boolean;
    /** Load the revocation set now and refresh it every AUTH_REVOCATION_POLL seconds (the long-lived instance). */
    readonly revocations?: boolean;
  } = {},
): Promise<Started> {
  const store = await openStore(config.database);
  // The sign-in counters every instance shares: Redis when REDIS_URL is set, else the database.
  const counters = await openLimiterBackend(limiterBackendOptions(config)).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let stopHousekeeping = () => undefined as void;
  let stopPolling = () => undefined as void;
  const close = async () => {
    stopHousekeeping();
    stopPolling();
    await Promise.allSettled([store.close(), counters.close()]);
  };
  const gh = await createGatehouse({ config, store, counters });
  const parts = { config, store, hasher: createArgon2Hasher(), clock: systemClock, random: cryptoRandom };
  try {
    if (config.demo) {
      await seedDemoUsers(parts);
      log(demoBanner());
    } else {
      const refusal = await demoLeftoverRefusal(parts);
      if (refusal) throw new StartupRefusedError(refusal);
    }
  } catch (error) {
    await close();
    throw error;
  }
  if (options.housekeeping) stopHousekeeping = startHousekeeping(store, config, systemClock, log);
  if (options.revocations) {
    // Preloaded before the first request, so no page waits for it.
    await gh.revocations.refresh();
    stopPolling = gh.revocations.poll();
  }
  return { gh, close };
}

/** The message a failed start prints: what is wrong and how to fix it, never a stack for config. */
export function startupFailureMessage(error: unknown): string {
  const known = hasCode(error, 'invalid_config') || hasCode(error, 'startup_refused');
  return `[gatehouse] cannot start.\n${known ? (error as Error).message : String((error as Error)?.stack ?? error)}`;
}

/** Ends a start that cannot serve: the message, then a non-zero exit before any request. */
export function exitOnStartupFailure(error: unknown): never {
  console.error(startupFailureMessage(error));
  process.exit(1);
}

/** Set by server.ts in its own process before Next.js loads, so the app knows who serves it. */
export const SERVED_BY_GATEHOUSE = 'GATEHOUSE_SERVER';

/**
 * In production Gatehouse must be served by server.ts. A bare `next start` believes any
 * X-Forwarded-For a client sends, so every per-address limit and the audit trail would be the
 * client's to choose: refuse rather than run quietly unsafe. (`next dev` is left alone.)
 */
export function refuseBareNextStart(env: Record<string, string | undefined> = process.env): void {
  if (env.NODE_ENV !== 'production' || env[SERVED_BY_GATEHOUSE] === '1') return;
  exitOnStartupFailure(
    new StartupRefusedError(
      'Refusing to start: serve Gatehouse with `npm start` (server.ts), not a bare `next start`. ' +
        'next start believes any X-Forwarded-For a client sends, so sign-in limits per address ' +
        'and the audit trail could be spoofed.',
    ),
  );
}
