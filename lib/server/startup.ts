import { parseConfig, type AuthConfig, type Env } from '../auth/config';
import { createGatehouse, type Gatehouse } from '../auth/gatehouse';
import { commonWords } from '../auth/wordlist';
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
export class StartupRefusedError extends Error {
  readonly code = 'startup_refused';
  constructor(message: string) {
    super(message);
    this.name = 'StartupRefusedError';
  }
}

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
): Promise<Started> {
  const store = await openStore(config.database);
  // The sign-in counters every instance shares: Redis when REDIS_URL is set, else the database.
  const counters = await openLimiterBackend(limiterBackendOptions(config)).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const close = async () => {
    await Promise.allSettled([store.close(), counters.close()]);
  };
  const gh = await createGatehouse({ config, store, counters });
  try {
    if (config.demo) {
      await seedDemoUsers(gh);
      log(demoBanner());
    } else {
      const refusal = await demoLeftoverRefusal(gh);
      if (refusal) throw new StartupRefusedError(refusal);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { gh, close };
}

/** The message a failed start prints: what is wrong and how to fix it, never a stack for config. */
export function startupFailureMessage(error: unknown): string {
  const known = error instanceof Error && ['ConfigError', 'StartupRefusedError'].includes(error.name);
  return `[gatehouse] cannot start.\n${known ? (error as Error).message : String((error as Error)?.stack ?? error)}`;
}

/** Ends a start that cannot serve: the message, then a non-zero exit before any request. */
export function exitOnStartupFailure(error: unknown): never {
  console.error(startupFailureMessage(error));
  process.exit(1);
}
