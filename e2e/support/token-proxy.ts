import { createServer, request as httpRequest, type Server } from 'node:http';

/**
 * What stands between each instance's middleware and its token endpoint (AUTH_INTERNAL_URL):
 * one forwarding proxy per instance, all switched together from one control port, so a test
 * can take "the token endpoint" down on every instance at once (helpers.ts tokenEndpoint).
 *
 *   POST /up, POST /down   switch every proxy; answers the new state
 *   GET /refreshes         JSON: the refreshes each proxy has forwarded so far, in instance order
 */
export interface TokenProxyOptions {
  /** [proxy port, the instance port it forwards to], one pair per instance. */
  readonly routes: readonly (readonly [number, number])[];
  readonly controlPort: number;
}

export async function startTokenProxies({ routes, controlPort }: TokenProxyOptions): Promise<() => void> {
  let up = true;
  const refreshes = routes.map(() => 0);
  const servers: Server[] = routes.map(([, upstreamPort], i) =>
    createServer((req, res) => {
      // While down, every connection is dropped (ECONNRESET), as an unreachable endpoint would.
      if (!up) {
        req.socket.destroy();
        return;
      }
      if (req.method === 'POST' && req.url?.startsWith('/api/auth/token')) refreshes[i]! += 1;
      const upstream = httpRequest(
        { host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }),
  );
  const control = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/refreshes') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(refreshes));
      return;
    }
    if (req.method === 'POST' && (req.url === '/up' || req.url === '/down')) up = req.url === '/up';
    res.end(up ? 'up' : 'down');
  });
  await Promise.all([
    ...servers.map((server, i) => listen(server, routes[i]![0])),
    listen(control, controlPort),
  ]);
  return () => {
    for (const server of [...servers, control]) {
      server.close();
      server.closeAllConnections();
    }
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
