import pg from 'pg';

/**
 * A schema of its own inside a PostgreSQL database, so a cluster or a test run shares the
 * server (and the `test` database) without colliding with anything else in it. The schema is
 * chosen through the connection string (`options=-c search_path=…`), which every Gatehouse
 * process, the users command and psql understand alike.
 */
export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export function schemaUrl(base: string, schema: string): string {
  checkName(schema);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Creates the schema if missing; `fresh` drops it (and everything in it) first. */
export async function ensureSchema(base: string, schema: string, options: { fresh?: boolean } = {}) {
  checkName(schema);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    if (options.fresh) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await client.end();
  }
}

export async function dropSchema(base: string, schema: string) {
  checkName(schema);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

function checkName(schema: string) {
  // Interpolated into SQL and a connection option: a plain identifier only.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
}
