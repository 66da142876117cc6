/**
 * npm run faults — the fault scripts, one after another, each in a process of its own (each
 * cleans up after itself, pass or fail), then one line per script. Exits 1 if any broke an
 * invariant or failed, 2 if one could not run (no build, no HAProxy).
 *
 *   npm run faults                      all four
 *   npm run faults -- storm restart     some of them, in that order
 *   npx tsx scripts/faults/storm.ts     one alone (likewise pg-outage, sqlite-writer, restart)
 *
 * Needs the build (`npx next build`), PostgreSQL at 127.0.0.1:5432 (user postgres, database
 * test, trust) and HAProxy. Ports 3800–3839 and client addresses 127.0.1.x.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const SCRIPTS = ['storm', 'pg-outage', 'sqlite-writer', 'restart'] as const;

function runOne(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, `${name}.ts`)], {
      stdio: 'inherit',
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(SCRIPTS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown fault script(s): ${unknown.join(', ')}; known: ${SCRIPTS.join(', ')}`);
    return 2;
  }
  const chosen = asked.length > 0 ? asked : [...SCRIPTS];
  const results: [string, number, number][] = [];
  for (const name of chosen) {
    console.log(`\n=== faults: ${name} ===`);
    const started = performance.now();
    const code = await runOne(name);
    results.push([name, code, (performance.now() - started) / 1000]);
    if (code === 2) break; // a missing precondition fails the others the same way
  }
  console.log('\n=== faults: summary ===');
  for (const [name, code, seconds] of results) {
    const verdict = code === 0 ? 'PASS' : code === 2 ? 'COULD NOT RUN' : 'FAIL';
    console.log(`  ${name.padEnd(14)} ${verdict.padEnd(13)} ${seconds.toFixed(1)} s`);
  }
  if (results.some(([, code]) => code === 1)) return 1;
  return results.some(([, code]) => code === 2) ? 2 : 0;
}

void main().then((code) => process.exit(code));
