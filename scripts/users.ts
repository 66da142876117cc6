/**
 * npm run users -- <command> …  — manage Gatehouse accounts in the configured database
 * (scripts/users-command.ts does the work, through the admin console's code and rules).
 *
 * Passwords are read from a hidden prompt, or from standard input when it is not a terminal
 * (`printf '%s\n' "$PW" | npm run users -- add alice`), never from the command line, where
 * they would end up in shell history and `ps`.
 */
import { hasCode, isAuthError, UsageError } from '../lib/edge/errors';
import { parseCommandLine, runCommand, USAGE } from './users-command';

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.command === undefined || line.command === 'help' || line.flags.help) {
    console.log(USAGE);
    return line.command || line.flags.help ? 0 : 2;
  }
  return runCommand(line, process.env, {
    print: (text) => console.log(text),
    readPassword: (prompt) => readPassword(prompt, true),
  });
}

async function readPassword(prompt: string, confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    // Piped: the first line of standard input.
    let data = '';
    for await (const chunk of process.stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? '';
  }
  const first = await hiddenPrompt(prompt);
  if (confirm && (await hiddenPrompt('Again: ')) !== first)
    throw new UsageError('the passwords do not match');
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
