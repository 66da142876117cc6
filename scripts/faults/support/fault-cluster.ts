import { randomBytes } from 'node:crypto';
import { startCluster, type Cluster } from '../../support/cluster';
import { InstanceLogs } from './instance-logs';
import type { Verdict } from './verdict';

/** A fault script's cluster: what `startFaultCluster` returns. */
export interface FaultCluster {
  readonly cluster: Cluster;
  /** The instances' log lines, written to the script's folder and tallied. */
  readonly logs: InstanceLogs;
}

/**
 * The cluster every fault script starts: the instances on 127.0.0.1 behind HAProxy with its
 * stats listener on, one fresh secret for the cluster's whole life (a restart keeps it), no
 * demo, their output in `dir`. Stopped by the script's cleanup, logs last.
 */
export async function startFaultCluster(options: {
  readonly dir: string;
  readonly port: number;
  readonly instancePorts: readonly number[];
  readonly statsPort: number;
  readonly databaseUrl: string;
  /** Settings for this script (AUTH_ACCESS_TTL, AUTH_REFRESH_GRACE, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly verdict: Verdict;
  readonly cleanup: (step: () => Promise<unknown>) => void;
}): Promise<FaultCluster> {
  const logs = new InstanceLogs(options.dir);
  options.cleanup(() => logs.close());
  options.verdict.log(
    `starting ${options.instancePorts.length} instances behind HAProxy on :${options.port} (log: ${logs.path})`,
  );
  const cluster = await startCluster({
    port: options.port,
    host: '127.0.0.1',
    instancePorts: options.instancePorts,
    statsPort: options.statsPort,
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      AUTH_DEMO: '0',
      ...options.env,
    },
    log: logs.line,
  });
  options.cleanup(() => cluster.close());
  return { cluster, logs };
}
