/**
 * npm run build && npm run bench — Gatehouse side by side with the alternatives, and the app
 * over HTTP (not a test: nothing here asserts a time; it prints the figures and writes
 * docs/bench.md and docs/bench.svg, which the README shows).
 *
 *  1. The per-request access check in this process, interleaved rounds: Gatehouse, the Web
 *     Crypto floor, jose with raw secret bytes, iron-session, Auth.js v5 (bench/access-checks.ts).
 *  2. Server work in this process: a refresh with rotation, an argon2id hash and the event
 *     loop's delay meanwhile (bench/server-work.ts).
 *  3. The built app through server.ts on a throwaway SQLite database: a page signed in vs
 *     signed out (bench/pages.ts), the refresh path under two bursts with the database writes
 *     counted (bench/refresh.ts), and sign-in throughput (bench/sign-in.ts).
 *
 *   npm run bench -- --quick      a short run (about 40 s) that prints only, docs left alone
 *   npm run bench -- --no-http    steps 1 and 2 only (no build needed), prints only
 *   BENCH_PORT=3393               the port the app listens on (127.0.0.1)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { accessChecks } from './bench/access-checks';
import { startAppServer } from './bench/app-server';
import { runMicro } from './bench/micro';
import { runPages } from './bench/pages';
import { runRefresh } from './bench/refresh';
import { markdownReport, svgReport, textReport, type BenchResults, type HttpResults } from './bench/report';
import { runServerWork } from './bench/server-work';
import { runSignIn } from './bench/sign-in';

const ROOT = join(__dirname, '..');
const HOST = '127.0.0.1';
const PORT = Number(process.env.BENCH_PORT ?? 3393);

const FULL = {
  micro: { rounds: 12, sliceMs: 250, warmupCalls: 500 },
  server: { refreshes: 1000, hashes: 10 },
  pages: { rounds: 10, seconds: 2, connections: 16 },
  refreshSessions: 100,
  signIn: { seconds: 6, connections: 8 },
};
const QUICK: typeof FULL = {
  micro: { rounds: 5, sliceMs: 150, warmupCalls: 200 },
  server: { refreshes: 300, hashes: 4 },
  pages: { rounds: 2, seconds: 2, connections: 16 },
  refreshSessions: 100,
  signIn: { seconds: 2, connections: 8 },
};

class NotBuiltError extends Error {
  readonly code = 'not_built';
  constructor() {
    super('The HTTP part runs the built app: run `npm run build` first (or `npm run bench -- --no-http`).');
  }
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const quick = args.has('--quick');
  const http = !args.has('--no-http');
  const plan = quick ? QUICK : FULL;
  if (http && !existsSync(join(ROOT, '.next', 'BUILD_ID'))) throw new NotBuiltError();

  const loadBefore = loadavg();
  const step = (what: string) => console.error(`[bench] ${what}…`);

  step('access checks, in process');
  const micro = await runMicro(await accessChecks(), plan.micro);
  step('refresh and argon2id, in process');
  const server = await runServerWork(plan.server);

  let httpResults: HttpResults | undefined;
  if (http) {
    step(`starting the built app on ${HOST}:${PORT}`);
    const app = await startAppServer(HOST, PORT);
    try {
      step('pages signed in and signed out');
      const { pages, retried } = await runPages(app, plan.pages);
      step('refresh bursts');
      const refresh = await runRefresh(app, plan.refreshSessions);
      step('sign-in throughput');
      const signIn = { ...(await runSignIn(app, plan.signIn)), ...plan.signIn };
      httpResults = { ...plan.pages, pages, retriedWindows: retried, refresh, signIn };
    } finally {
      await app.stop();
    }
  }

  const cpu = cpus();
  const results: BenchResults = {
    quick,
    machine: {
      cpus: cpu.length,
      cpuModel: (cpu[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
      node: process.versions.node,
      platform: `${platform()} ${release()}`,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      loadBefore,
      loadAfter: loadavg(),
    },
    micro: { rounds: plan.micro.rounds, sliceMs: plan.micro.sliceMs, results: micro },
    server,
    http: httpResults,
  };
  console.log(textReport(results));
  // Only a full run with every part replaces the published figures.
  if (!quick && http) {
    writeFileSync(join(ROOT, 'docs', 'bench.md'), markdownReport(results));
    writeFileSync(join(ROOT, 'docs', 'bench.svg'), svgReport(results));
    console.log('\nwrote docs/bench.md and docs/bench.svg');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
