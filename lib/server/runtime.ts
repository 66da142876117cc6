import 'server-only';
import { parseConfig } from '../auth/config';
import { createGatehouse, type Gatehouse } from '../auth/gatehouse';
import { openStore } from '../store/open';
import { demoBanner, demoLeftoverWarning, seedDemoUsers } from './demo';

/**
 * The process-wide Gatehouse, built once from process.env. Kept on globalThis because Next.js
 * may load this module more than once (per route bundle, on dev reloads), and the single-flight
 * refresh map and the database handle must be shared by all of them.
 */
const KEY = Symbol.for('gatehouse.runtime');
type Holder = { [KEY]?: Promise<Gatehouse> };

export function getGatehouse(): Promise<Gatehouse> {
  const holder = globalThis as Holder;
  holder[KEY] ??= start().catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}

async function start(): Promise<Gatehouse> {
  const config = parseConfig(process.env);
  const gh = await createGatehouse({ config, store: await openStore(config.database) });
  if (config.demo) {
    await seedDemoUsers(gh);
    console.log(demoBanner());
  } else {
    const warning = await demoLeftoverWarning(gh);
    if (warning) console.warn(warning);
  }
  return gh;
}
