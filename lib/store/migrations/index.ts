import type { Migration, MigrationProvider } from 'kysely';
import type { DialectName } from '../schema';
import { initial } from './0001_initial';
import { housekeepingIndexes } from './0002_housekeeping_indexes';
import { accounts } from './0003_accounts';
import { secondFactors } from './0004_second_factors';

/**
 * Every migration, listed in code rather than read from a folder: Next.js bundles the server,
 * so there is no migrations directory at run time. Applied in name order, each once; add
 * `NNNN_name.ts` and list it here, never edit one that has shipped.
 */
export function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_housekeeping_indexes': housekeepingIndexes,
    '0003_accounts': accounts(dialect),
    '0004_second_factors': secondFactors(dialect),
  };
}

export function migrationProvider(dialect: DialectName): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
