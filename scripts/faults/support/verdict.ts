import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findHaproxy } from '../../support/cluster';

/**
 * A fault script's outcome: the figures it prints and the invariants it checks. Every broken
 * invariant is kept with its reason; the script prints them all and exits 1, so CI fails with
 * the why on screen rather than at the first assertion.
 */
export const ROOT = join(__dirname, '..', '..', '..');

/** Scratch space for databases and logs (.tmp/ is never committed). */
export function scratchDir(name: string): string {
  const dir = join(ROOT, '.tmp', 'faults', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A precondition the script cannot run without: exits 2, which is neither a pass nor a finding. */
export class SetupError extends Error {}

export function requireBuild(options: { haproxy?: boolean } = {}): void {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID')))
    throw new SetupError('no build found: run `npx next build` first');
  if (options.haproxy && !findHaproxy())
    throw new SetupError('HAProxy is not installed (apt-get install haproxy)');
}

export class Verdict {
  readonly failures: string[] = [];
  private readonly rows: [string, string][] = [];
  private readonly started = performance.now();

  constructor(readonly title: string) {}

  /** Records a broken invariant unless `ok`. */
  check(ok: boolean, reason: string): boolean {
    if (!ok) this.failures.push(reason);
    return ok;
  }

  /** A line of the summary. */
  row(label: string, value: string | number): void {
    this.rows.push([label, String(value)]);
  }

  /** A progress line, with the time since the start. */
  log(text: string): void {
    console.log(`[${this.elapsed().toFixed(1).padStart(5)} s] ${text}`);
  }

  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Prints the summary and the verdict; the exit code to end with. */
  print(): number {
    const width = Math.max(...this.rows.map(([label]) => label.length), 10);
    console.log(`\n${this.title} (${this.elapsed().toFixed(1)} s)\n`);
    for (const [label, value] of this.rows) console.log(`  ${label.padEnd(width)}  ${value}`);
    if (this.failures.length === 0) {
      console.log('\nPASS: every invariant held.');
      return 0;
    }
    console.log(`\nFAIL: ${this.failures.length} invariant(s) broken:`);
    for (const failure of this.failures) console.log(`  - ${failure}`);
    return 1;
  }
}

/**
 * Runs a fault script: its body, then its cleanup whatever happened, then exits with the
 * verdict (0 pass, 1 an invariant broken or the script crashed, 2 a missing precondition).
 * Ctrl-C still cleans up.
 */
export function runScript(body: (cleanup: (step: () => Promise<unknown>) => void) => Promise<Verdict>): void {
  const steps: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of steps.splice(0).reverse())
      await step().catch((e: unknown) => console.error('cleanup:', e));
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  body((step) => steps.push(step))
    .then(async (verdict) => {
      await cleanup();
      process.exit(verdict.print());
    })
    .catch(async (error: unknown) => {
      await cleanup();
      if (error instanceof SetupError) {
        console.error(`cannot run: ${error.message}`);
        process.exit(2);
      }
      console.error('FAIL: the script itself failed:', error);
      process.exit(1);
    });
}

/** `n` tasks, at most `width` at a time. */
export async function inParallel<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback address the scripts may bind: 127.0.1.1 – 127.0.1.250, by index. */
export const clientAddress = (i: number) => `127.0.1.${(i % 250) + 1}`;
