import { request, type IncomingHttpHeaders } from 'node:http';
import { CookieJar } from './cookie-jar';

/**
 * A client of the app as the fault scripts drive it: one connection per request (so a request
 * caught by a crash fails on its own), from a loopback address of its own (127.0.1.x: the
 * server sees a distinct client, behind the balancer as directly), with a cookie jar kept the
 * way a browser keeps it.
 */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly setCookie: readonly string[];
}

/** No HTTP answer at all: refused, reset, cut off mid-response, or no answer within the timeout. */
export class TransportError extends Error {
  constructor(readonly code: string) {
    super(`no answer (${code})`);
  }
}

export interface Target {
  readonly host: string;
  readonly port: number;
}

export interface Call {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The local address to connect from (127.0.1.x). */
  readonly from?: string;
  /** Gives up after this long without the whole answer (default 30 s): a stuck server fails, never hangs the script. */
  readonly timeoutMs?: number;
  /** Called as soon as the headers arrive, as a browser stores cookies before the body is in. */
  readonly onSetCookie?: (lines: readonly string[]) => void;
}

export function send(target: Target, call: Call): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        method: call.method ?? 'GET',
        path: call.path,
        localAddress: call.from,
        headers: call.headers,
        agent: false,
        timeout: call.timeoutMs ?? 30_000,
      },
      (res) => {
        call.onSetCookie?.(res.headers['set-cookie'] ?? []);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', (error: NodeJS.ErrnoException) =>
          reject(new TransportError(error.code ?? 'ECONNRESET')),
        );
        res.on('aborted', () => reject(new TransportError('ECONNRESET')));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError(error.code ?? 'ERROR')));
    req.end(call.body);
  });
}

/** One browser (or API client): its own address and its own cookies. */
export class Client {
  readonly jar = new CookieJar();
  /** Auth cookies the server cleared (Max-Age=0 / an expiry in the past), over this client's life. */
  clearedAuthCookies = 0;

  constructor(
    readonly target: Target,
    readonly from: string,
    /** How long this client waits for an answer (a browser waits minutes; the balancer answers within one `timeout server`). */
    readonly timeoutMs = 30_000,
  ) {}

  async call(call: Call, options: { cookies?: boolean } = {}): Promise<Reply> {
    const cookie = options.cookies === false ? '' : this.jar.header();
    return send(this.target, {
      timeoutMs: this.timeoutMs,
      ...call,
      from: this.from,
      headers: { ...(cookie ? { cookie } : {}), ...call.headers },
      onSetCookie: (lines) => {
        const cleared = this.jar.apply(lines);
        this.clearedAuthCookies += cleared.filter(isAuthCookie).length;
      },
    });
  }

  /** A page load as a browser makes it: GET with the cookies, no redirect followed. */
  page(path: string): Promise<Reply> {
    return this.call({ path, headers: { accept: 'text/html' } });
  }

  /** The token endpoint with the refresh cookie, as a page's script would call it. */
  refresh(): Promise<Reply> {
    return this.call({ method: 'POST', path: '/api/auth/token', headers: { accept: 'application/json' } });
  }

  /** A JSON sign-in; the answer's cookies go into the jar. */
  signIn(username: string, password: string): Promise<Reply> {
    return this.call({
      method: 'POST',
      path: '/api/auth/login',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  }

  accessToken(): string | undefined {
    return this.jar.find(ACCESS);
  }

  refreshToken(): string | undefined {
    return this.jar.find(REFRESH);
  }
}

const ACCESS = 'gatehouse-access';
const REFRESH = 'gatehouse-refresh';

/** `gatehouse-access` / `gatehouse-refresh`, with or without the production `__Host-` prefix. */
export function isAuthCookie(name: string): boolean {
  return name.endsWith(ACCESS) || name.endsWith(REFRESH);
}

/** The claims of an access token, read without verifying (the client only needs `exp` and `sid`). */
export function tokenClaims(token: string): { sid: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    sid: string;
    exp: number;
  };
}
