import { sql as initial } from './0001_initial';

/** Applied in order, each once, under an advisory lock; see lib/store/sqlite/migrations. */
export const migrations: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  { version: 1, name: 'initial', sql: initial },
];
