import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The built app served as `npm start` serves it (server.ts, production), on a throwaway
 * database and a fresh secret, for the measuring scripts (attack, bench:revocation).
 */
const ROOT = join(__dirname, '..', '..');

export function startBuiltServer(options: {
  readonly host: string;
  readonly port: number;
  readonly dbPath: string;
  /** Added to (and overriding) the defaults: a fresh AUTH_SECRET, no demo, the middleware calling this server. */
  readonly env?: Readonly<Record<string, string>>;
}): ChildProcess {
  const { host, port } = options;
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      AUTH_DEMO: '0',
      DATABASE_URL: `file:${options.dbPath}`,
      PORT: String(port),
      HOST: host,
      AUTH_INTERNAL_URL: `http://${host}:${port}`,
      ...options.env,
    },
  });
}

/** Resolves once the server answers GET /login with 200; rejects if it exits or takes over a minute. */
export async function waitUntilUp(server: ChildProcess, origin: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(`server exited with ${server.exitCode ?? server.signalCode}`);
    try {
      if ((await fetch(`${origin}/login`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start within 60 s');
}

/** SIGTERM, and wait for it to be gone. */
export async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}
