import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Tally } from './answers';

/**
 * Everything the instances and the balancer print goes to a file under .tmp/faults/<script>/
 * (to read after a failure), and the lines that matter to a verdict are counted on the way.
 */
const NOTABLE: readonly [string, RegExp][] = [
  ['request failed (500)', /request failed/],
  ['SQLITE_BUSY / database is locked', /SQLITE_BUSY|database is locked/],
  ['postgres pool error', /postgres pool error/],
  ['refresh unavailable', /refresh unavailable/],
  ['revocation feed unreachable', /revocation feed unreachable/],
  ['uncaught', /uncaught|unhandled/i],
];

export class InstanceLogs {
  readonly notable = new Tally();
  private readonly file: WriteStream;

  constructor(
    dir: string,
    readonly path = join(dir, 'instances.log'),
  ) {
    this.file = createWriteStream(path, { flags: 'w' });
  }

  readonly line = (text: string): void => {
    this.file.write(`${new Date().toISOString()} ${text}\n`);
    for (const [label, pattern] of NOTABLE) if (pattern.test(text)) this.notable.add(label);
  };

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
