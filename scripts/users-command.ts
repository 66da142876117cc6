/**
 * What `npm run users` does (scripts/users.ts is the entry point): every account change goes
 * through the admin console (lib/auth/admin.ts) acting as the users command, so the command
 * follows the console's rules — the last active admin cannot be banned, deleted or demoted —
 * and lands in the same audit trail.
 */
import { parseArgs } from 'node:util';
import { createGatehouse } from '../lib/auth/gatehouse';
import { purgeCutoffs } from '../lib/auth/housekeeping';
import { USERS_COMMAND, type AdminConsole } from '../lib/auth/admin';
import type { Store } from '../lib/auth/store';
import type { CounterSource } from '../lib/auth/throttle';
import { commonWords } from '../lib/auth/wordlist';
import { DEFAULTS, parseConfig, type AuthConfig, type Env } from '../lib/edge/config';
import { ConfigError, UsageError } from '../lib/edge/errors';
import { base64url, cryptoRandom } from '../lib/edge/random';
import { limiterBackendOptions, openLimiterBackend } from '../lib/store/limiters';
import { openStore } from '../lib/store/open';

export const USAGE = `Usage: npm run users -- <command> [arguments]

  add <username> [--name "Display Name"] [--admin] [--invite]
                                     create an account: the password is prompted (or read from
                                     stdin); with --invite, no password: prints a one-time link
                                     for its owner to set one
  list                               list accounts
  ban <username>                     ban and sign out everywhere
  unban <username>                   lift a ban
  delete <username>                  delete and sign out everywhere
  set-admin <username>               grant admin rights
  unset-admin <username>             take admin rights away
  password <username>                set a new password and sign out everywhere
  reset-link <username>              print a one-time link to set a new password (last line)
  revoke <username>                  end every session of the account
  unlock <username>                  forget failed sign-ins that block the account (needs AUTH_SECRET)
  clear-2fa <username>               remove the account's authenticator app and recovery codes
                                     (a lost phone): the password alone signs in; passkeys stay
  purge                              delete ended sessions and old audit events now

The last active admin cannot be banned, deleted or demoted: make another admin first.
The database is DATABASE_URL (default ${DEFAULTS.databaseUrl}). Links are built on AUTH_PUBLIC_URL
(default http://localhost:3000) and stay usable AUTH_PASSWORD_LINK_TTL seconds (default
${DEFAULTS.passwordLinkTtl}). unlock reaches the sign-in counters where the server keeps them (REDIS_URL,
else the database) and needs the server's AUTH_SECRET, which keys them. purge keeps ended
sessions AUTH_SESSION_RETENTION_DAYS (default ${DEFAULTS.housekeeping.sessionRetentionDays}) and audit events AUTH_EVENT_RETENTION_DAYS (default ${DEFAULTS.housekeeping.eventRetentionDays}).`;

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
  'reset-link': 1,
  revoke: 1,
  unlock: 1,
  'clear-2fa': 1,
  purge: 0,
};

/** Commands that need the server's keys: the sign-in counters are keyed by AUTH_SECRET. */
const NEEDS_KEYS: ReadonlySet<string> = new Set(['unlock']);

export interface CommandLine {
  readonly command: string | undefined;
  readonly username: string | undefined;
  readonly flags: {
    readonly name?: string;
    readonly admin?: boolean;
    readonly invite?: boolean;
    readonly help?: boolean;
  };
}

/** The command, its username and options; every mistake is a UsageError, before the database is opened. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        name: { type: 'string' },
        admin: { type: 'boolean' },
        invite: { type: 'boolean' },
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
  if (command === undefined || command === 'help' || flags.help)
    return { command, username: undefined, flags };
  const wanted = COMMANDS[command];
  if (wanted === undefined) throw new UsageError(`unknown command "${command}"`);
  if (rest.length < wanted) throw new UsageError(`"${command}" needs a username`);
  if (rest.length > wanted) throw new UsageError(`unexpected argument "${rest[wanted]}" for "${command}"`);
  if (
    command !== 'add' &&
    (flags.name !== undefined || flags.admin !== undefined || flags.invite !== undefined)
  ) {
    throw new UsageError(`--name, --admin and --invite are options of "add" only`);
  }
  return { command, username: rest[0], flags };
}

/**
 * The configuration the command runs with: the server's, from the same environment. Commands
 * that need no keys run without AUTH_SECRET: nothing they write depends on a key (a password
 * link is stored as a plain SHA-256 of its token), so a throwaway secret stands in for it.
 */
export function commandConfig(env: Env, command: string): AuthConfig {
  const secret = env.AUTH_SECRET?.trim();
  if (NEEDS_KEYS.has(command) && !secret) {
    throw new ConfigError([
      `"${command}" needs AUTH_SECRET: the sign-in counters are keyed by it. Run it with the ` +
        "server's AUTH_SECRET (and its REDIS_URL, if it keeps the counters in Redis).",
    ]);
  }
  const demo = !secret && (env.AUTH_DEMO?.trim() === '1' || env.AUTH_DEMO?.trim() === 'true');
  return parseConfig(
    {
      ...env,
      ...(NEEDS_KEYS.has(command)
        ? {}
        : {
            AUTH_SECRET: base64url(cryptoRandom(32)),
            AUTH_SECRET_PREVIOUS: undefined,
            AUTH_DEMO: undefined,
          }),
      // The demo server's links point at http://localhost:$PORT; so do the command's.
      ...(demo && !env.AUTH_PUBLIC_URL?.trim()
        ? { AUTH_PUBLIC_URL: `http://localhost:${env.PORT?.trim() || 3000}` }
        : {}),
    },
    { secretWords: commonWords() },
  );
}

/** What a command acts with and reports to. */
export interface CommandContext {
  readonly admin: AdminConsole;
  readonly store: Store;
  readonly config: AuthConfig;
  readonly now: () => number;
  readonly print: (line: string) => void;
  /** The new password (hidden prompt, or the first line of stdin). */
  readonly readPassword: (prompt: string) => Promise<string>;
}

/** Opens the database (and, for unlock, the sign-in counters) and runs one command. */
export async function runCommand(
  line: CommandLine,
  env: Env,
  io: Pick<CommandContext, 'print' | 'readPassword'>,
): Promise<number> {
  const command = line.command!;
  const config = commandConfig(env, command);
  const store = await openStore(config.database);
  let counters: (CounterSource & { close(): Promise<void> }) | undefined;
  try {
    // Only unlock touches the counters; everything else keeps them in this process, unused.
    if (NEEDS_KEYS.has(command)) counters = await openLimiterBackend(limiterBackendOptions(config));
    const gh = await createGatehouse({ config, store, counters });
    return await execute(line, { admin: gh.admin, store, config, now: Date.now, ...io });
  } finally {
    await Promise.allSettled([store.close(), counters?.close()]);
  }
}

/** One command against a console: what it changes and what it prints. */
export async function execute(line: CommandLine, ctx: CommandContext): Promise<number> {
  const { admin, print } = ctx;
  const me = USERS_COMMAND;
  const name = line.username!;
  const idOf = async (username: string) => (await admin.findUser(me, username)).id;
  const until = (expiresAt: number) => {
    const minutes = Math.round((expiresAt - ctx.now()) / 60_000);
    return `until ${new Date(expiresAt).toISOString()} (${minutes} minute${minutes === 1 ? '' : 's'})`;
  };

  switch (line.command) {
    case 'add': {
      const invite = line.flags.invite === true;
      const password = invite ? undefined : await ctx.readPassword(`Password for ${name}: `);
      const user = await admin.createUser(me, {
        username: name,
        name: line.flags.name ?? name,
        admin: line.flags.admin === true,
        password,
      });
      print(`created ${user.username} (${user.name})${user.admin ? ', admin' : ''}`);
      if (invite) {
        const link = await admin.createPasswordLink(me, user.id, 'invite');
        print(`invitation link for ${user.username}, usable once ${until(link.expiresAt)}:`);
        print(link.url);
      }
      return 0;
    }
    case 'list': {
      const users = await admin.allUsers(me);
      if (users.length === 0) print('no users');
      for (const u of users) {
        print([u.username.padEnd(20), u.name.padEnd(24), u.admin ? 'admin' : '     ', u.status].join('  '));
      }
      return 0;
    }
    case 'ban':
      print(`banned ${name}; ${(await admin.ban(me, await idOf(name))).revoked} session(s) revoked`);
      return 0;
    case 'unban':
      await admin.unban(me, await idOf(name));
      print(`unbanned ${name}`);
      return 0;
    case 'delete':
      print(`deleted ${name}; ${(await admin.deleteUser(me, await idOf(name))).revoked} session(s) revoked`);
      return 0;
    case 'set-admin':
    case 'unset-admin': {
      const grant = line.command === 'set-admin';
      await admin.setAdmin(me, await idOf(name), grant);
      print(`${name} is ${grant ? 'now' : 'no longer'} an admin`);
      return 0;
    }
    case 'password': {
      const id = await idOf(name);
      const { revoked } = await admin.setPassword(
        me,
        id,
        await ctx.readPassword(`New password for ${name}: `),
      );
      print(`password changed for ${name}; ${revoked} session(s) revoked`);
      return 0;
    }
    case 'reset-link': {
      const link = await admin.createPasswordLink(me, await idOf(name), 'reset');
      // The URL alone on the last line, for scripts: `npm run users -- reset-link bob | tail -1`.
      print(`password link for ${name}, usable once ${until(link.expiresAt)}:`);
      print(link.url);
      return 0;
    }
    case 'revoke':
      print(`ended ${(await admin.revokeSessions(me, await idOf(name))).revoked} session(s) of ${name}`);
      return 0;
    case 'unlock': {
      const { addresses } = await admin.unlock(me, await idOf(name));
      print(`unlocked ${name}: failed sign-ins forgotten (from ${addresses} address(es))`);
      return 0;
    }
    case 'clear-2fa': {
      const { cleared } = await admin.clearSecondFactor(me, await idOf(name));
      print(
        cleared
          ? `cleared the authenticator app and recovery codes of ${name}: the password alone signs in`
          : `${name} has no authenticator app: nothing to clear`,
      );
      return 0;
    }
    case 'purge': {
      const cutoffs = purgeCutoffs(ctx.config, ctx.now());
      const { sessions, events } = await ctx.store.purge(cutoffs);
      print(
        `deleted ${sessions} session(s) that ended before ${new Date(cutoffs.sessionsEndedBefore).toISOString()} ` +
          `and ${events} audit event(s) from before ${new Date(cutoffs.eventsBefore).toISOString()}`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${line.command}"`);
  }
}
