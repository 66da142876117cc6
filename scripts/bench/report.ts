import type { BarGroup } from './chart';
import { barChart } from './chart';
import type { LoadResult } from './load';
import { timesSlower, TURN_MS, type MicroResult } from './micro';
import type { PageId, PageResult } from './pages';
import type { RefreshResult } from './refresh';
import type { ServerWork } from './server-work';
import { formatNumber as n, pairedRatio } from './stats';

/**
 * Everything one run measured, and the three ways it is told: a plain-text summary for the
 * terminal, docs/bench.md, and docs/bench.svg. The goals are checked here and reported as met
 * or not; nothing fails on a timing.
 */
export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

export interface HttpResults {
  readonly connections: number;
  readonly rounds: number;
  readonly seconds: number;
  readonly pages: readonly PageResult[];
  /** Windows run again because the server answered nothing in them (a starved machine). */
  readonly retriedWindows: number;
  readonly refresh: RefreshResult;
  readonly signIn: LoadResult & { readonly connections: number; readonly seconds: number };
}

export interface BenchResults {
  readonly quick: boolean;
  readonly machine: Machine;
  readonly micro: {
    readonly rounds: number;
    readonly sliceMs: number;
    readonly results: readonly MicroResult[];
  };
  readonly server: ServerWork;
  /** Absent with --no-http. */
  readonly http?: HttpResults;
}

interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export function goals(results: BenchResults): Goal[] {
  const micro = results.micro.results;
  const overFloor = timesSlower(micro, 'gatehouse', 'floor');
  const authjs = timesSlower(micro, 'authjs', 'gatehouse');
  // Judged on tokens Gatehouse has not seen (a full verification); the memo's figure is shown
  // beside it, as what every later request with the same cookie costs.
  const authjsSeen = timesSlower(micro, 'authjs', 'gatehouse-seen');
  const list: Goal[] = [
    {
      goal: 'access check within 1.5× of the Web Crypto floor',
      measured: `${overFloor.toFixed(2)}× the floor's time (a token not seen before)`,
      met: overFloor <= 1.5,
    },
    {
      goal: 'access check at least 8× faster than Auth.js v5’s session decode',
      measured: `${authjs.toFixed(1)}× faster on a token not seen before; ${n(authjsSeen)}× on one seen before`,
      met: authjs >= 8,
    },
  ];
  const http = results.http;
  if (http) {
    const ratio = pageRatio(http.pages, 'home-in', 'home-out');
    list.push({
      goal: 'a page signed in at ≥ 0.95× the throughput of the same page signed out',
      measured: `${ratio.toFixed(3)}× (/ signed in vs signed out)`,
      met: ratio >= 0.95,
    });
    const { many, one } = http.refresh;
    list.push({
      goal: `${many.sessions} expired sessions at once: every page refreshed, each session rotated once`,
      measured: `${many.refreshed}/${many.requests} refreshed, ${many.rotatedOnce}/${many.sessions} rotated once`,
      met: many.refreshed === many.requests && many.rotatedOnce === many.sessions,
    });
    list.push({
      goal: `${one.requests} parallel loads on one expired session: one database write`,
      measured: `${one.writes} write${one.writes === 1 ? '' : 's'}, ${one.refreshed}/${one.requests} refreshed, ${one.reuseEvents} reuse alarms`,
      met: one.writes === 1 && one.refreshed === one.requests && one.reuseEvents === 0,
    });
  }
  return list;
}

const pageRatio = (pages: readonly PageResult[], a: PageId, b: PageId) =>
  pairedRatio(pages.find((p) => p.id === a)!.rounds, pages.find((p) => p.id === b)!.rounds);

// ─── tables ──────────────────────────────────────────────────────────────────────────────────

interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right (figures). */
  readonly right: readonly number[];
}

/** The spread of the rounds, min–max: how noisy the machine was. */
const range = (rounds: readonly number[]) => `${n(Math.min(...rounds))}–${n(Math.max(...rounds))}`;

function microTable(results: BenchResults): Table {
  const micro = results.micro.results;
  return {
    head: ['access check (cookie header → verified claims)', 'ops/s', 'rounds', 'µs/op', 'time vs floor'],
    rows: micro.map((r) => [
      r.label,
      n(r.opsPerSecond),
      range(r.rounds),
      n(r.microsPerOp),
      `${timesSlower(micro, r.id, 'floor').toFixed(2)}×`,
    ]),
    right: [1, 2, 3, 4],
  };
}

function pagesTable(http: HttpResults): Table {
  return {
    head: ['request', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'vs / signed out'],
    rows: http.pages.map((p) => [
      p.label,
      n(p.perSecond),
      range(p.rounds),
      n(p.p50Millis),
      n(p.p99Millis),
      `${pageRatio(http.pages, p.id, 'home-out').toFixed(3)}×`,
    ]),
    right: [1, 2, 3, 4, 5],
  };
}

function refreshTable(http: HttpResults): Table {
  const { many, manyAfter, one } = http.refresh;
  const row = (label: string, b: typeof many | typeof manyAfter, writes: string) => [
    label,
    n(b.p50Millis),
    n(b.p95Millis),
    n(b.maxMillis),
    `${b.refreshed}/${b.requests}`,
    writes,
  ];
  return {
    head: ['burst of /dashboard loads', 'p50 ms', 'p95 ms', 'max ms', 'new cookies', 'session writes'],
    rows: [
      row(`${many.sessions} distinct sessions, access expired`, many, `${many.rotatedOnce} × 1`),
      row(`the same ${many.sessions}, fresh cookies (no refresh)`, manyAfter, '0'),
      row(
        `${one.requests} parallel on one session, access expired`,
        one,
        `${one.writes} (gen ${one.genBefore} → ${one.genAfter})`,
      ),
    ],
    right: [1, 2, 3, 4, 5],
  };
}

function serverTable(results: BenchResults): Table {
  const { server, http } = results;
  const rows: string[][] = [];
  if (http) {
    const s = http.signIn;
    rows.push([
      `sign-in, POST /api/auth/login (${s.connections} connections)`,
      `${n(s.perSecond)} req/s, p50 ${n(s.p50Millis)} ms, p99 ${n(s.p99Millis)} ms`,
    ]);
  }
  rows.push(['argon2id hash (19 MiB, t=2, p=1), in process', `${n(server.hashMillis)} ms`]);
  rows.push([
    'event-loop delay while hashing',
    `p99 ${n(server.loopDelayP99Millis)} ms, max ${n(server.loopDelayMaxMillis)} ms`,
  ]);
  rows.push(['refresh with rotation (SQLite), in process', `${n(server.refreshMicros)} µs`]);
  return { head: ['server work', 'figure'], rows, right: [] };
}

function markdownTable(t: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = t.head.map((_, i) => (t.right.includes(i) ? '---:' : '---'));
  return [line(t.head), line(rule), ...t.rows.map(line)].join('\n');
}

function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (t.right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(t.head), widths.map((w) => '─'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

const retriedNote = (http: HttpResults) =>
  http.retriedWindows > 0
    ? [`  (${http.retriedWindows} window(s) run again: the server answered nothing in them, starved of CPU.)`]
    : [];

// ─── outputs ─────────────────────────────────────────────────────────────────────────────────

const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');

function machineLine(m: Machine): string {
  return (
    `${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}, ${m.date}; ` +
    `load average ${load(m.loadBefore)} before, ${load(m.loadAfter)} after`
  );
}

export function textReport(results: BenchResults): string {
  const out = [`Gatehouse bench${results.quick ? ' (--quick)' : ''} — ${machineLine(results.machine)}`, ''];
  out.push(
    `Per-request access check, one process, ${results.micro.rounds} rounds of ${results.micro.sliceMs} ms each, in ${TURN_MS} ms turns:`,
    textTable(microTable(results)),
    '',
  );
  if (results.http) {
    const h = results.http;
    out.push(
      `Pages over HTTP (built app via server.ts, SQLite, autocannon ${h.connections} connections, ${h.rounds} rounds × ${h.seconds} s, A B B A):`,
      textTable(pagesTable(h)),
      '  A protected page signed out is a 307 without a render, so the signed-in/signed-out goal is',
      '  measured on the home page, which renders either way with the same auth work as /dashboard.',
      ...retriedNote(h),
      '',
      'Refresh path:',
      textTable(refreshTable(h)),
      '',
    );
  }
  out.push(textTable(serverTable(results)), '', 'Goals:');
  for (const g of goals(results)) out.push(`  ${g.met ? 'met    ' : 'NOT met'}  ${g.goal}: ${g.measured}`);
  return out.join('\n');
}

export function markdownReport(results: BenchResults): string {
  const { machine, micro, http } = results;
  const doc = [
    '# Gatehouse benchmarks',
    '',
    `Written by \`npm run build && npm run bench\` (scripts/bench.ts): ${machineLine(machine)}.`,
    'Timings are printed and reported against the goals below; no test asserts them. Figures from a',
    'shared or busy machine are noisy: the ratios, taken round by round, are the figures to compare.',
    '',
    '![Access-check operations per second and HTTP requests per second, Gatehouse highlighted](bench.svg)',
    '',
    '## Goals',
    '',
    markdownTable({
      head: ['goal', 'measured', 'met'],
      rows: goals(results).map((g) => [g.goal, g.measured, g.met ? 'yes' : '**no**']),
      right: [],
    }),
    '',
    '## The per-request access check',
    '',
    `One process, ${micro.rounds} rounds in which the checks take turns of about ${TURN_MS} ms each until each has run`,
    `${micro.sliceMs} ms (the first to go rotating), so noise lands on every variant alike; medians of the`,
    'rounds, and ratios taken round by round. Each call starts from the request’s `Cookie` header and ends',
    'with verified claims, one call awaited after another (one request’s work, its latency included).',
    '“rounds” is the spread of the rounds (min–max); the ratio is the median of the per-round ratios, so',
    'it can differ from the ratio of the medians when the machine was noisy:',
    '',
    markdownTable(microTable(results)),
    '',
    '- **Gatehouse**: what `middleware.ts` does per request (`lib/edge/gate.ts`): read both auth cookies',
    '  (a duplicated one means signed out), `verifyAccessToken` with the `CryptoKey` imported once',
    '  (algorithm, issuer, audience, `typ`, `kid`, required claims and their types), then the revocation',
    '  set (100 sessions and 20 users in it). Timed on tokens it has not seen (distinct tokens, cycled',
    '  past its memo: a full verification each time; the goals use this row) and on a token it verified',
    '  before (its memo of verified token strings: what every later request with the same cookie costs).',
    '- **Web Crypto floor**: one cookie read, `crypto.subtle.verify` (HMAC-SHA256) of the same token’s',
    '  signing input, base64url + `JSON.parse` of the payload, the `exp` check: the least any JWT check does.',
    '- **jose, CryptoKey, signature + exp only**: `jwtVerify` with the imported key and no policy — not a',
    '  competitor but a reference point: the floor to it is jose’s own parsing, it to Gatehouse is the policy.',
    '- **jose, raw secret bytes**: the same policy with the key passed to `jwtVerify` as a `Uint8Array`,',
    '  which imports it again on every call.',
    '- **iron-session** `unsealData` of the same claims (ttl 15 min): keys derived per call, AES-CBC + HMAC.',
    '- **Auth.js v5** `decode` from `@auth/core/jwt` of a token made by its `encode`: a JWE (dir +',
    '  A256CBC-HS512) whose key is HKDF-derived from the secret on every call, as Auth.js does per request.',
    '',
  ];
  if (http) {
    doc.push(
      '## Pages over HTTP',
      '',
      `The built app served by \`server.ts\` on a throwaway SQLite database, loaded by autocannon in the`,
      `bench’s process with ${http.connections} connections, ${http.rounds} rounds of ${http.seconds} s per request, each signed-in`,
      'run next to its signed-out twin and the order flipped every round (A B B A); medians, “rounds” their',
      'spread (min–max), and ratios as the median of the per-round ratios.',
      '',
      markdownTable(pagesTable(http)),
      '',
      'A protected page signed out is not a page: `/dashboard` answers a `307` to `/login` from the',
      'middleware without rendering anything. So the signed-in vs signed-out goal is measured on the home',
      'page, which renders either way: the same middleware, layout and `auth()` call whoever asks, so the',
      'difference is what being signed in costs a page — the same auth work `/dashboard` does. `/dashboard`',
      'adds its own read of the session’s details on top.',
      ...retriedNote(http),
      '',
      '## The refresh path',
      '',
      'Page loads whose access cookie has expired (re-signed by the bench with the server’s key and an expiry',
      'a minute ago) and whose refresh cookie is good, all sent at once over open connections: the middleware',
      'calls the token endpoint, puts the new pair into the request and the response, and the page renders.',
      '“Session writes” are counted by a trigger on the sessions table: every `UPDATE` of the row.',
      '',
      markdownTable(refreshTable(http)),
      '',
    );
  }
  doc.push('## Sign-in and hashing', '', markdownTable(serverTable(results)), '');
  if (http) {
    doc.push(
      'Sign-in throughput is bounded by argon2id by design: one hash per core at a time and a short queue',
      '(`lib/auth/hash-limit.ts`); the connections stay below that queue (past it the answer is `503`, the',
      'flood bench’s subject). The hash runs on the libuv pool, so the event loop stays free meanwhile.',
      '',
    );
  }
  return doc.join('\n');
}

export function svgReport(results: BenchResults): string {
  const micro = results.micro.results;
  const seen = micro.find((r) => r.id === 'gatehouse-seen');
  const groups: BarGroup[] = [
    {
      // A full verification each: the memo's figure would flatten every other bar, so it has its own.
      title: 'Per-request access check, cookie → verified claims (ops/s, one core)',
      bars: micro
        .filter((r) => r.id !== 'gatehouse-seen')
        .map((r) => ({
          label: r.short,
          value: r.opsPerSecond,
          caption:
            `${n(r.opsPerSecond)} ops/s · ${n(r.microsPerOp)} µs` +
            (r.id === 'floor' ? '' : ` · ${timesSlower(micro, r.id, 'floor').toFixed(2)}× floor time`),
          highlight: r.id === 'gatehouse',
        })),
    },
  ];
  if (seen) {
    groups.push({
      title: 'The same check on a token Gatehouse verified before (its memo; ops/s)',
      bars: [
        {
          label: seen.short,
          value: seen.opsPerSecond,
          caption: `${n(seen.opsPerSecond)} ops/s`,
          highlight: true,
        },
        ...micro
          .filter((r) => r.id === 'floor' || r.id === 'authjs')
          .map((r) => ({
            label: r.short,
            value: r.opsPerSecond,
            caption: `${n(r.opsPerSecond)} ops/s`,
            highlight: false,
          })),
      ],
    });
  }
  const http = results.http;
  if (http) {
    groups.push({
      title: `Over HTTP, built app (req/s, ${http.connections} connections)`,
      bars: [
        // The signed-out /dashboard is a redirect, not a page: in the tables, not among the bars.
        ...http.pages
          .filter((p) => p.expect === 200)
          .map((p) => ({
            label: p.label.replace(' (200)', ''),
            value: p.perSecond,
            caption:
              `${n(p.perSecond)} req/s` +
              (p.id === 'home-in'
                ? ` · ${pageRatio(http.pages, 'home-in', 'home-out').toFixed(2)}× signed out, per round`
                : ''),
            highlight: p.signedIn,
          })),
        {
          label: 'sign-in, POST /api/auth/login',
          value: http.signIn.perSecond,
          caption: `${n(http.signIn.perSecond)} req/s (argon2id)`,
          highlight: true,
        },
      ],
    });
  }
  const m = results.machine;
  return barChart(
    'Gatehouse benchmarks',
    `npm run bench · ${m.cpus} × ${m.cpuModel} · Node ${m.node} · ${m.date.slice(0, 10)} · ` +
      `load average ${m.loadBefore[0]!.toFixed(1)} at the start${results.quick ? ' · --quick' : ''}`,
    groups,
  );
}
