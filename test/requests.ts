/**
 * Web Requests as a client sends them, for driving route handlers without a server (as Next.js
 * calls them), and reading what they set.
 */
export const ORIGIN = 'http://gatehouse.test';

export type Body = {
  json?: unknown;
  form?: Record<string, string>;
  raw?: string | Uint8Array;
  type?: string;
};

export function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body: Body = {},
): Request {
  const h = new Headers({ host: 'gatehouse.test', ...headers });
  let payload: BodyInit | undefined;
  if (body.json !== undefined) {
    payload = JSON.stringify(body.json);
    h.set('content-type', 'application/json');
  } else if (body.form) {
    payload = new URLSearchParams(body.form).toString();
    h.set('content-type', 'application/x-www-form-urlencoded');
  } else if (body.raw !== undefined) {
    payload = body.raw as BodyInit;
    if (body.type) h.set('content-type', body.type);
  }
  return new Request(`${ORIGIN}${path}`, { method, headers: h, body: payload });
}

export const post = (path: string, body: Body = {}, headers: Record<string, string> = {}) =>
  request('POST', path, headers, body);

export const get = (path: string, headers: Record<string, string> = {}) => request('GET', path, headers);

/** Cookie name → {value, attributes} from a response's Set-Cookie headers. */
export function setCookies(res: Response): Record<string, { value: string; attrs: string }> {
  const out: Record<string, { value: string; attrs: string }> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = {
      value: decodeURIComponent(pair!.slice(eq + 1)),
      attrs: attrs.join(';').trim(),
    };
  }
  return out;
}
