import { sql as initial } from './0001_initial';

/**
 * Applied in order, each once, inside a transaction, and recorded in `schema_migrations`.
 * Add a file `NNNN_name.ts` exporting `sql` and list it here; never edit an applied one.
 */
export const migrations: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  { version: 1, name: 'initial', sql: initial },
];
