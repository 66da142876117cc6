import 'server-only';
import type { Gatehouse } from '../auth/gatehouse';
import { loadConfig, startGatehouse } from './startup';

/**
 * The process-wide Gatehouse, built once from process.env. Kept on globalThis because Next.js
 * may load this module more than once (per route bundle, on dev reloads), and the single-flight
 * refresh map and the database handle must be shared by all of them.
 */
const KEY = Symbol.for('gatehouse.runtime');
type Holder = { [KEY]?: Promise<Gatehouse> };

export function getGatehouse(): Promise<Gatehouse> {
  const holder = globalThis as Holder;
  // Async all the way: a configuration error must reject the promise, not throw past callers.
  holder[KEY] ??= (async () => (await startGatehouse(loadConfig(), console.log, { housekeeping: true, revocations: true })).gh)().catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}
