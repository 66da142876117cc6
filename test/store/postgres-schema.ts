import pg from 'pg';
import { cryptoRandom, randomId } from '../../lib/edge/random';

/**
 * The PostgreSQL every development and CI machine of this project runs; TEST_POSTGRES_URL picks
 * another. Each test works in a throwaway schema and drops it.
 */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const freshSchema = (): string =>
  `gatehouse_test_${randomId(cryptoRandom, 6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')}`;

/** Runs `fn` on one short-lived connection, in `schema` when given. */
export async function withClient<T>(
  schema: string | undefined,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: POSTGRES_URL,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withClient(undefined, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
