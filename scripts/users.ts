/**
 * npm run users -- <command> …  — manage Gatehouse accounts in the configured database.
 *
 * Passwords are read from a hidden prompt, or from standard input when it is not a terminal
 * (`printf '%s\n' "$PW" | npm run users -- add alice`), never from the command line, where
 * they would end up in shell history and `ps`.
 */
import { parseDatabaseUrl, DEFAULTS } from '../lib/edge/config';
import { ConfigError, hasCode, isAuthError, UsageError } from '../lib/edge/errors';
import { createArgon2Hasher } from '../lib/auth/passwords';
import { systemClock } from '../lib/edge/clock';
import { cryptoRandom } from '../lib/edge/random';
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

The database is DATABASE_URL (default ${DEFAULTS.databaseUrl}).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const problems: string[] = [];
  const location = parseDatabaseUrl(process.env.DATABASE_URL?.trim() || DEFAULTS.databaseUrl, problems);
  if (!location) throw new ConfigError(problems);
  const store = await openStore(location);
  const admin = createUserAdmin({ store, hasher: createArgon2Hasher(), clock: systemClock, random: cryptoRandom });
  const { positional, flags } = parseArgs(rest);
  const username = positional[0];
  const needUser = () => {
    if (!username) throw new UsageError(`"${command}" needs a username`);
    return username;
  };

  try {
    switch (command) {
      case 'add': {
        const name = needUser();
        const displayName = typeof flags.name === 'string' ? flags.name : name;
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
        console.log(`banned ${needUser()}; ${await admin.ban(needUser())} session(s) revoked`);
        return 0;
      case 'unban':
        await admin.unban(needUser());
        console.log(`unbanned ${needUser()}`);
        return 0;
      case 'delete':
        console.log(`deleted ${needUser()}; ${await admin.remove(needUser())} session(s) revoked`);
        return 0;
      case 'set-admin':
      case 'unset-admin':
        await admin.setAdmin(needUser(), command === 'set-admin');
        console.log(`${needUser()} is ${command === 'set-admin' ? 'now' : 'no longer'} an admin (from the next refresh)`);
        return 0;
      case 'password': {
        const name = needUser();
        const revoked = await admin.setPassword(name, await readPassword(`New password for ${name}: `, true));
        console.log(`password changed for ${name}; ${revoked} session(s) revoked`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await store.close();
  }
}

function parseArgs(args: string[]) {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--admin') flags.admin = true;
    else if (arg === '--name') {
      const value = args[++i];
      if (value === undefined) throw new UsageError('--name needs a value');
      flags.name = value;
    } else if (arg.startsWith('--name=')) flags.name = arg.slice('--name='.length);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  return { positional, flags };
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
