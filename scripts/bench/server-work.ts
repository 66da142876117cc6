import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createArgon2Hasher } from '../../lib/auth/passwords';
import { makeRig, META } from '../../test/helpers';

/**
 * The server side's two expensive steps, in this process: a refresh with rotation on SQLite
 * (unseal, two reads, the conditional write, the audit event, sign, seal), and one argon2id
 * hash at the default parameters, with the event loop's delay while hashing (argon2 runs on
 * the libuv pool: the loop must stay free for other requests).
 */
export interface ServerWork {
  readonly refreshMicros: number;
  readonly hashMillis: number;
  readonly loopDelayP99Millis: number;
  readonly loopDelayMaxMillis: number;
}

export async function runServerWork(options: { refreshes: number; hashes: number }): Promise<ServerWork> {
  const rig = await makeRig({ AUTH_REFRESH_GRACE: '0' });
  let refreshMicros: number;
  try {
    await rig.addUser('jon');
    let pair = await rig.gh.sessions.login('jon', 'password', META);
    const refresh = async () => {
      pair = await rig.gh.sessions.refresh(pair.refreshToken, META);
    };
    for (let i = 0; i < 100; i++) await refresh();
    refreshMicros = await microsPerCall(refresh, options.refreshes);
  } finally {
    await rig.cleanup();
  }

  const hasher = createArgon2Hasher();
  await hasher.hash('warm-up');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const hashMicros = await microsPerCall(() => hasher.hash('correct horse battery staple'), options.hashes);
  delay.disable();
  return {
    refreshMicros,
    hashMillis: hashMicros / 1000,
    loopDelayP99Millis: delay.percentile(99) / 1e6,
    loopDelayMaxMillis: delay.max / 1e6,
  };
}

async function microsPerCall(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  return ((performance.now() - start) * 1000) / calls;
}
