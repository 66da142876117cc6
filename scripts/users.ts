/**
 * npm run users -- <command> …  — manage Gatehouse accounts in the configured database.
 *
 * Passwords are read from a hidden prompt, or from standard input when it is not a terminal
 * (`printf '%s\n' "$PW" | npm run users -- add alice`), never from the command line, where
 * they would end up in shell history and `ps`.
 */
import { parseArgs } from 'node:util';
import { parseDatabaseUrl, parseHousekeeping, DEFAULTS } from '../lib/edge/config';
import { ConfigError, hasCode, isAuthError, UsageError } from '../lib/edge/errors';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { systemClock } from '../lib/edge/clock';
import { cryptoRandom } from '../lib/edge/random';
import { purgeCutoffs } from '../lib/auth/housekeeping';
import { createUserAdmin } from '../lib/auth/users';
import { openStore } from '../lib/store/open';

const USAGE = `Usage: npm run users -- <command> [arguments]

  add <username> [--name "Display Name"] [--admin]   create an account (password prompted or from stdin)
  list                                               list accounts
  ban <username>                                     ban and sign out everywhere
  unban <username>                                   lift a ban
  delete <username>                                  delete and sign out everywhere
  set-admin <username> | unset-admin <username>      grant or take admin rights (effective at next refresh)
  password <username>                                set a new password and sign out everywhere
  purge                                              delete ended sessions and old audit events now

The database is DATABASE_URL (default ${DEFAULTS.databaseUrl}); purge keeps ended sessions
AUTH_SESSION_RETENTION_DAYS (default ${DEFAULTS.housekeeping.sessionRetentionDays}) and audit events AUTH_EVENT_RETENTION_DAYS (default ${DEFAULTS.housekeeping.eventRetentionDays}).`;

/** Commands and the positional arguments each takes (the username, for all that take one). */
const COMMANDS: Record<string, number> = {
  add: 1,
  list: 0,
  ban: 1,
  unban: 1,
  delete: 1,
  'set-admin': 1,
  'unset-admin': 1,
  password: 1,
  purge: 0,
};

async function main(argv: string[]): Promise<number> {
  const { command, username, flags } = parseCommandLine(argv);
  if (command === undefined || command === 'help' || flags.help) {
    console.log(USAGE);
    return command || flags.help ? 0 : 2;
  }
  const problems: string[] = [];
  const location = parseDatabaseUrl(process.env.DATABASE_URL?.trim() || DEFAULTS.databaseUrl, problems);
  const housekeeping = parseHousekeeping(process.env, problems);
  if (!location || problems.length > 0) throw new ConfigError(problems);
  const store = await openStore(location);
  const admin = createUserAdmin({ store, hasher: createArgon2Hasher(), clock: systemClock, random: cryptoRandom });
  // parseCommandLine checked it is there for every command that takes one.
  const target = username!;

  try {
    switch (command) {
      case 'add': {
        const name = target;
        const displayName = flags.name ?? name;
        const password = await readPassword(`Password for ${name}: `, true);
        const user = await admin.add({ username: name, displayName, password, admin: flags.admin === true });
        console.log(`created ${user.username} (${user.displayName})${user.admin ? ', admin' : ''}`);
        return 0;
      }
      case 'list': {
        const users = await admin.list();
        if (users.length === 0) console.log('no users');
        for (const u of users) {
          console.log(
            [u.username.padEnd(20), u.displayName.padEnd(24), u.admin ? 'admin' : '     ', u.status].join('  '),
          );
        }
        return 0;
      }
      case 'ban':
        console.log(`banned ${target}; ${await admin.ban(target)} session(s) revoked`);
        return 0;
      case 'unban':
        await admin.unban(target);
        console.log(`unbanned ${target}`);
        return 0;
      case 'delete':
        console.log(`deleted ${target}; ${await admin.remove(target)} session(s) revoked`);
        return 0;
      case 'set-admin':
      case 'unset-admin':
        await admin.setAdmin(target, command === 'set-admin');
        console.log(`${target} is ${command === 'set-admin' ? 'now' : 'no longer'} an admin (from the next refresh)`);
        return 0;
      case 'password': {
        const name = target;
        const revoked = await admin.setPassword(name, await readPassword(`New password for ${name}: `, true));
        console.log(`password changed for ${name}; ${revoked} session(s) revoked`);
        return 0;
      }
      case 'purge': {
        const cutoffs = purgeCutoffs({ housekeeping }, systemClock());
        const { sessions, events } = await store.purge(cutoffs);
        console.log(
          `deleted ${sessions} session(s) that ended before ${new Date(cutoffs.sessionsEndedBefore).toISOString()} ` +
            `and ${events} audit event(s) from before ${new Date(cutoffs.eventsBefore).toISOString()}`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await store.close();
  }
}

/** The command, its username and options; every mistake is a UsageError, before the database is opened. */
function parseCommandLine(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        admin: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util reports unknown options and missing values as TypeErrors with an ERR_PARSE_ARGS_ code.
    throw new UsageError((error as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  const flags = parsed.values;
  if (command === undefined || command === 'help' || flags.help) return { command, username: undefined, flags };
  const wanted = COMMANDS[command];
  if (wanted === undefined) throw new UsageError(`unknown command "${command}"`);
  if (rest.length < wanted) throw new UsageError(`"${command}" needs a username`);
  if (rest.length > wanted) throw new UsageError(`unexpected argument "${rest[wanted]}" for "${command}"`);
  if (command !== 'add' && (flags.name !== undefined || flags.admin !== undefined)) {
    throw new UsageError(`--name and --admin are options of "add" only`);
  }
  return { command, username: rest[0], flags };
}

async function readPassword(prompt: string, confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    // Piped: the first line of standard input.
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? '';
  }
  const first = await hiddenPrompt(prompt);
  if (confirm && (await hiddenPrompt('Again: ')) !== first) throw new UsageError('the passwords do not match');
  return first;
}

function hiddenPrompt(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stdout.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UsageError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
    };
    stdin.on('data', onData);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Every failure the command expects is an AuthError with a code; anything else is a bug.
    if (hasCode(error, 'usage')) console.error(`error: ${error.message}\n\n${USAGE}`);
    else if (isAuthError(error)) console.error(`error: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
