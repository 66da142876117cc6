import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../edge/errors';

/**
 * Reads a small form or JSON body into string fields. Anything else is refused with a 4xx
 * and a stable code: oversized bodies (413, before buffering them), other content types (415),
 * broken JSON or non-string fields (400). Framework-free: takes a Web Request.
 */
export const MAX_BODY_BYTES = 8 * 1024;

export type BodyKind = 'json' | 'form' | 'empty';

export interface ParsedBody {
  readonly kind: BodyKind;
  readonly fields: Readonly<Record<string, string>>;
}

export async function readBody(request: Request, limit = MAX_BODY_BYTES): Promise<ParsedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit)
    throw new PayloadTooLargeError(`body over ${limit} bytes`);

  const text = await readLimited(request, limit);
  if (text.length === 0) return { kind: 'empty', fields: {} };

  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return { kind: 'json', fields: parseJson(text) };
  if (type === 'application/x-www-form-urlencoded') return { kind: 'form', fields: parseForm(text) };
  throw new UnsupportedMediaTypeError('send application/json or application/x-www-form-urlencoded');
}

/** The body as UTF-8 text, refused (413) past `limit` bytes before more of it is buffered. */
export async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(`body over ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequestError('body is not valid UTF-8');
  }
}

/** A JSON text that must be one object: 400 invalid_request for broken JSON or anything else. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function parseJson(text: string): Record<string, string> {
  const value = parseJsonObject(text);
  // No prototype: a field named "__proto__" or "constructor" is just a field.
  const fields: Record<string, string> = Object.create(null);
  for (const [key, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue;
    if (typeof field !== 'string') throw new InvalidRequestError(`"${key.slice(0, 40)}" must be a string`);
    fields[key] = field;
  }
  return fields;
}

function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    if (key in fields) throw new InvalidRequestError(`"${key.slice(0, 40)}" is given more than once`);
    fields[key] = value;
  }
  return fields;
}

/**
 * A classic HTML form submission from a browser, which expects a page back (and so a
 * redirect), as opposed to an API client, which gets JSON. A browser says so itself: it sends
 * `Origin` on every POST, `Sec-Fetch-Site`/`-Dest`/`-User` on a navigation, and asks for HTML.
 * curl, scripts and apps send none of these, so the tutorial's own
 * `curl -d "username=…&password=…"` gets the token pair as JSON. (Not `Sec-Fetch-Mode`: Node's
 * own fetch sends it.) Decided by headers, not the body: an empty form is still a form.
 */
export function isFormNavigation(request: Request): boolean {
  return isFormNavigationHeaders((name) => request.headers.get(name));
}

/** The same decision from raw header values (server.ts sees Node's headers, not a Request). */
export function isFormNavigationHeaders(header: (name: string) => string | null | undefined): boolean {
  const type = (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return false;
  const accept = header('accept') ?? '';
  if (/\bapplication\/json\b/i.test(accept)) return false;
  return (
    /\btext\/html\b/i.test(accept) ||
    ['origin', 'sec-fetch-site', 'sec-fetch-dest', 'sec-fetch-user'].some((name) => Boolean(header(name)))
  );
}

/** A required string field, 1..max characters. */
export function requireField(fields: Readonly<Record<string, string | undefined>>, name: string, max: number): string {
  const value = fields[name];
  if (value === undefined || value.length === 0) throw new InvalidRequestError(`"${name}" is required`);
  if (value.length > max) throw new InvalidRequestError(`"${name}" is longer than ${max} characters`);
  return value;
}
