/**
 * The second writer of the SQLite fault script, in a process of its own: the users command's
 * own code (scripts/users-command.ts: parse the line, open the database, run, close — exactly
 * what one `npm run users -- …` does, minus starting Node) in a loop, on churn accounts that
 * nobody is signed in with: add, set-admin, ban, unban, revoke, unset-admin, password, delete.
 * Stops at SIGTERM after the command under way and prints its tally as one JSON line.
 *
 * FAULTS_HOLD_LOCK_MS (to watch the fault script fail): first hold the write lock that long
 * (BEGIN IMMEDIATE, as a long migration or a stuck tool would), 2 s after starting; longer than
 * the server's busy timeout (5 s), its writes then fail.
 *
 *   DATABASE_URL=file:… node --import tsx scripts/faults/support/users-churn.ts
 */
import Database from 'better-sqlite3';
import { parseCommandLine, runCommand } from '../../users-command';

const STEPS = ['add', 'set-admin', 'ban', 'unban', 'revoke', 'unset-admin', 'password', 'delete'] as const;
const PASSWORD = 'churning through accounts';

let stopping = false;
process.on('SIGTERM', () => (stopping = true));

async function holdLock(ms: number): Promise<void> {
  const holder = new Database(process.env.DATABASE_URL!.replace(/^file:/, ''));
  try {
    await sleep(2000);
    holder.exec('BEGIN IMMEDIATE');
    await sleep(ms);
    holder.exec('COMMIT');
  } finally {
    holder.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const hold = Number(process.env.FAULTS_HOLD_LOCK_MS ?? 0);
  if (hold > 0) await holdLock(hold);
  const tally = { commands: 0, failed: 0, busy: 0, errors: [] as string[] };
  for (let round = 1; !stopping; round++) {
    const username = `churn${process.pid}x${round}`;
    for (const step of STEPS) {
      if (stopping && step === 'add') break;
      tally.commands++;
      try {
        const code = await runCommand(parseCommandLine([step, username]), process.env, {
          print: () => undefined,
          readPassword: async () => PASSWORD,
        });
        if (code !== 0) tally.failed++;
      } catch (error) {
        tally.failed++;
        const text = String((error as Error)?.stack ?? error);
        if (/SQLITE_BUSY|database is locked/.test(text)) tally.busy++;
        if (tally.errors.length < 5) tally.errors.push(text.split('\n')[0]!);
      }
    }
  }
  console.log(JSON.stringify(tally));
}

void main();
