/**
 * `npm run cluster`: the built app as several instances on PostgreSQL behind HAProxy, on this
 * machine — the shape "Scaling out" in the README describes. Ctrl-C stops everything it started.
 *
 *   CLUSTER_SIZE   instances (default 2)
 *   PORT / HOST    where the balancer listens (default 3000, every interface)
 *   CLUSTER_INSTANCE_PORT  the first instance's port (default PORT+1; then +2, …), on 127.0.0.1
 *   DATABASE_URL   postgres://… (default: the local PostgreSQL's `test` database, schema
 *                  `gatehouse_cluster`, created if missing)
 *
 * Everything else passes through to every instance (AUTH_SECRET, AUTH_DEMO=1, AUTH_*, REDIS_URL).
 */
import { parseArgs } from 'node:util';
import { redactUrl } from '../lib/edge/config';
import { ClusterStartError, findHaproxy, startCluster } from './support/cluster';
import { LOCAL_POSTGRES, schemaUrl } from './support/postgres-schema';

const DEFAULT_SCHEMA = 'gatehouse_cluster';

class UsageError extends Error {}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return value;
}

async function main() {
  parseArgs({ args: process.argv.slice(2), options: {} }); // no arguments: everything is environment
  const env = process.env;
  const size = integer('CLUSTER_SIZE', env.CLUSTER_SIZE, 2, 1, 16);
  const port = integer('PORT', env.PORT, 3000, 1, 65535);
  const first = integer('CLUSTER_INSTANCE_PORT', env.CLUSTER_INSTANCE_PORT, port + 1, 1, 65535 - size + 1);
  const instancePorts = Array.from({ length: size }, (_, i) => first + i);
  if (instancePorts.includes(port)) throw new UsageError(`CLUSTER_INSTANCE_PORT overlaps PORT ${port}`);
  const demo = env.AUTH_DEMO === '1' || env.AUTH_DEMO === 'true';
  if (!env.AUTH_SECRET?.trim() && !demo)
    throw new UsageError('AUTH_SECRET is required (or AUTH_DEMO=1 for the demo accounts), as for any start.');
  if (!findHaproxy())
    throw new UsageError(
      'HAProxy is not installed: apt-get install -y haproxy (Debian/Ubuntu) or brew install haproxy.',
    );

  let databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl && !/^postgres(ql)?:\/\//i.test(databaseUrl))
    throw new UsageError(
      `a cluster shares one PostgreSQL database: DATABASE_URL must be postgres://… (got "${redactUrl(databaseUrl).slice(0, 100)}")`,
    );
  // The store creates the schema the URL names on first start.
  databaseUrl ||= schemaUrl(LOCAL_POSTGRES, DEFAULT_SCHEMA);

  const publicUrl = env.AUTH_PUBLIC_URL ?? (demo ? `http://localhost:${port}` : undefined);
  console.log(`[cluster] starting ${size} instance(s) on ${redactUrl(databaseUrl)}`);
  const cluster = await startCluster({
    port,
    host: env.HOST?.trim() || undefined,
    instancePorts,
    env: { ...env, DATABASE_URL: databaseUrl, ...(publicUrl ? { AUTH_PUBLIC_URL: publicUrl } : {}) },
    log: (line) => console.log(line),
  });
  let stopping = false;
  for (const instance of cluster.instances) {
    instance.process.once('exit', (code, signal) => {
      if (!stopping)
        console.log(`[cluster] ${instance.name} exited (${signal ?? code}); the balancer routes around it`);
    });
  }
  console.log(
    `[cluster] ready on ${cluster.url}: HAProxy round-robin over ${cluster.instances
      .map((i) => `${i.name} ${i.url}`)
      .join(', ')}. Ctrl-C stops everything.`,
  );

  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('[cluster] stopping');
    void cluster.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(
    `[cluster] cannot start: ${error instanceof UsageError || error instanceof ClusterStartError ? error.message : String((error as Error)?.stack ?? error)}`,
  );
  process.exit(1);
});
