import { Agent, request } from 'node:http';

/**
 * A keep-alive HTTP client for the bench's own requests (sign-ins, the refresh bursts), where
 * each answer's status and Set-Cookie lines matter; the throughput runs use autocannon.
 */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly setCookie: readonly string[];
  /** Milliseconds from sending to the last byte of the body. */
  readonly millis: number;
}

export interface Client {
  readonly origin: string;
  send(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
  close(): void;
}

export function createClient(host: string, port: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  return {
    origin: `http://${host}:${port}`,
    send(method, path, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const start = performance.now();
        const req = request({ host, port, method, path, headers, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: text,
              setCookie: res.headers['set-cookie'] ?? [],
              millis: performance.now() - start,
            }),
          );
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The name=value pairs of Set-Cookie lines that set a value (not the ones clearing it). */
export function cookiesSet(lines: readonly string[]): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of lines) {
    const pair = line.split(';')[0]!;
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1);
    if (eq > 0 && value !== '' && !/;\s*max-age=0/i.test(line)) jar.set(pair.slice(0, eq).trim(), value);
  }
  return jar;
}

/** A Cookie request header, as a browser would send these. */
export const cookieHeader = (jar: ReadonlyMap<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
