import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../edge/errors';
import { parseJsonObject, readLimited } from './body';

/**
 * A JSON object body whose fields may be objects (a passkey ceremony's response), where
 * readBody (body.ts) takes flat string fields only. Same refusals, same codes: over `limit`
 * bytes 413 before buffering more, another content type 415, broken JSON or not an object 400.
 * Checking what is inside is the caller's job; nothing here trusts it.
 */
export async function readJsonObject(
  request: Request,
  limit: number,
): Promise<Readonly<Record<string, unknown>>> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit)
    throw new PayloadTooLargeError(`body over ${limit} bytes`);
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new UnsupportedMediaTypeError('send application/json');
  return parseJsonObject(await readLimited(request, limit));
}

/** An optional string field of such a body: absent or null is undefined, anything else but a string 400. */
export function optionalString(
  body: Readonly<Record<string, unknown>>,
  name: string,
  max: number,
): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`"${name}" must be a string`);
  if (value.length > max) throw new InvalidRequestError(`"${name}" is longer than ${max} characters`);
  return value;
}
