import { PASSWORD, type AppServer } from './app-server';
import { load, type LoadResult } from './load';

/**
 * Sign-in throughput over HTTP: POST /api/auth/login (JSON) cycling through the bench's
 * users, every answer a 200 with a new session. The ceiling is argon2id (19 MiB, t=2): the
 * server hashes one password per core at a time and queues a few (lib/auth/hash-limit.ts), so
 * the connections are kept below that queue — past it the server answers 503 by design, and
 * that is the flood bench's subject (npm run attack), not this one.
 */
export async function runSignIn(
  app: AppServer,
  options: { seconds: number; connections: number },
): Promise<LoadResult> {
  let next = 0;
  return load({
    url: `${app.client.origin}/api/auth/login`,
    method: 'POST',
    seconds: options.seconds,
    connections: options.connections,
    expect: 200,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: () =>
      JSON.stringify({ username: app.usernames[next++ % app.usernames.length], password: PASSWORD }),
  });
}
