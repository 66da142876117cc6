import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopServer, waitUntilUp } from './built-server';

/**
 * Several instances of the built app (server.ts, production) behind HAProxy, round-robin: the
 * production shape of "scaling out", on one machine. Used by `npm run cluster`, the browser
 * suite's cluster run and the fault scripts. The instances share whatever DATABASE_URL `env`
 * names (PostgreSQL); each listens on a loopback port of its own with AUTH_INTERNAL_URL pointing
 * at itself, and trusts only the balancer for client addresses: HAProxy connects to them from
 * BALANCER_SOURCE, an address no other local process uses, so a process on this machine that
 * reaches an instance directly cannot name its own client address.
 */
export const BALANCER_SOURCE = '127.0.0.99';

export interface ClusterOptions {
  /** The balancer's port (PORT). */
  readonly port: number;
  /** The balancer's bind address; unset: every interface, IPv4 and IPv6. */
  readonly host?: string;
  /** One port per instance, on 127.0.0.1. */
  readonly instancePorts: readonly number[];
  /** The instances' environment (DATABASE_URL, AUTH_SECRET or AUTH_DEMO, …); per-instance settings are added. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where an instance's middleware reaches its token endpoint; default: the instance itself. */
  readonly internalUrl?: (instancePort: number) => string;
  /** Each line an instance or the balancer prints, prefixed with its name; default: dropped. */
  readonly log?: (line: string) => void;
  /**
   * Where HAProxy serves its statistics (127.0.0.1 only; CSV at `/;csv`: retries `wretr`,
   * redispatches `wredis`, …), for the fault scripts; default: none.
   */
  readonly statsPort?: number;
}

export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** The running process; replaced by start(). */
  process: ChildProcess;
}

export interface Cluster {
  /** The balancer's URL, e.g. http://localhost:3000. */
  readonly url: string;
  readonly instances: readonly Instance[];
  /** Starts a stopped (or killed) instance again and waits until it serves. */
  start(index: number): Promise<void>;
  /** SIGTERM (a clean shutdown) and wait for the exit. */
  stop(index: number): Promise<void>;
  /** A crash: SIGKILL, no shutdown at all. Resolves when the process is gone. */
  kill(index: number): Promise<void>;
  /** Every instance, then the balancer. */
  close(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..');

/** An instance or the balancer did not come up; what it printed says why. */
export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
}

/** The HAProxy binary, or null with the reason to print. */
export function findHaproxy(): string | null {
  const found = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  return found.status === 0 ? 'haproxy' : null;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const workDir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
  const instances: Instance[] = options.instancePorts.map((port, i) => ({
    name: `app${i + 1}`,
    port,
    url: `http://127.0.0.1:${port}`,
    process: spawnInstance(options, port, `app${i + 1}`, log),
  }));
  let balancer: ChildProcess | undefined;
  const close = async () => {
    await Promise.all(instances.map((instance) => stopServer(instance.process)));
    if (balancer) await stopServer(balancer);
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      instances.map((instance) =>
        waitUntilUp(instance.process, instance.url).catch((error: unknown) => {
          throw new ClusterStartError(
            `${instance.name} did not start (${(error as Error).message}); its output says why`,
          );
        }),
      ),
    );
    const config = join(workDir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(options));
    // -db: stay in the foreground, so stopping this process stops it.
    balancer = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    prefixLines(balancer, 'haproxy', log);
    await waitUntilUp(balancer, `http://127.0.0.1:${options.port}`).catch((error: unknown) => {
      throw new ClusterStartError(
        `HAProxy did not start on port ${options.port} (${(error as Error).message})`,
      );
    });
  } catch (error) {
    await close();
    throw error;
  }

  const at = (index: number) => {
    const instance = instances[index];
    if (!instance) throw new RangeError(`no instance ${index}`);
    return instance;
  };
  return {
    url: `http://localhost:${options.port}`,
    instances,
    async start(index) {
      const instance = at(index);
      if (instance.process.exitCode === null && instance.process.signalCode === null)
        throw new Error(`${instance.name} is still running`);
      instance.process = spawnInstance(options, instance.port, instance.name, log);
      await waitUntilUp(instance.process, instance.url);
    },
    stop: (index) => stopServer(at(index).process),
    async kill(index) {
      const { process: child } = at(index);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    },
    close,
  };
}

function spawnInstance(options: ClusterOptions, port: number, name: string, log: (line: string) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...options.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_INTERNAL_URL: options.internalUrl?.(port) ?? `http://127.0.0.1:${port}`,
      AUTH_TRUSTED_PROXIES: options.env.AUTH_TRUSTED_PROXIES ?? BALANCER_SOURCE,
    },
  });
  prefixLines(child, name, log);
  return child;
}

function prefixLines(child: ChildProcess, name: string, log: (line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => log(`[${name}] ${line}`));
  }
}

/**
 * Round-robin over the instances. A request an instance never answered — refused, reset, or
 * cut off by a crash before a byte of response — is retried on another instance; every such
 * request here is one the app already makes safe to repeat (a page load or API call whose
 * refresh may have rotated: the retry lands in the grace window). Health checks take a dead
 * instance out within a second and put it back when it answers.
 */
export function haproxyConfig(
  options: Pick<ClusterOptions, 'port' | 'host' | 'instancePorts' | 'statsPort'>,
): string {
  const bind = options.host
    ? `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`
    : `:::${options.port} v4v6`;
  return [
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    // A health check's answer may take this long: with the default (the 1 s interval), an
    // instance merely slow under load (the last one up during a rolling restart, the survivors
    // of a crash taking its traffic) was marked down, and then every request got a 503. A dead
    // one is still out within two checks: its port refuses at once.
    '  timeout check 5s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout',
    '',
    'frontend gatehouse',
    `  bind ${bind}`,
    // Appends the peer's address to whatever X-Forwarded-For the client sent; the instances
    // trust only the last entry, which only this balancer can write.
    '  option forwardfor',
    '  default_backend instances',
    '',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk',
    '  http-check send meth HEAD uri /login',
    '  http-check expect status 200',
    ...options.instancePorts.map(
      (port, i) =>
        `  server app${i + 1} 127.0.0.1:${port} source ${BALANCER_SOURCE} check inter 1s fall 2 rise 1`,
    ),
    '',
    ...(options.statsPort === undefined
      ? []
      : ['listen stats', `  bind 127.0.0.1:${options.statsPort}`, '  stats enable', '  stats uri /', '']),
  ].join('\n');
}
