/**
 * A same-origin JSON POST from page script, answered as data: the body on success, or the
 * API's stable error code (lib/http/responses.ts) on refusal. A network failure or a body that
 * is not ours becomes `network_error`, so callers have one shape to explain.
 */
export type JsonAnswer =
  | { readonly ok: true; readonly data: unknown }
  | {
      readonly ok: false;
      readonly status: number;
      readonly error: string;
      readonly description: string | null;
      /** Seconds, for too_many_attempts. */
      readonly retryAfter: number | null;
    };

export async function postJson(path: string, body?: unknown): Promise<JsonAnswer> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, error: 'network_error', description: null, retryAfter: null };
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON (a proxy's error page): said below as a network error.
  }
  if (res.ok) return { ok: true, data };
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return {
    ok: false,
    status: res.status,
    error: typeof fields.error === 'string' ? fields.error : 'network_error',
    description: typeof fields.error_description === 'string' ? fields.error_description : null,
    retryAfter: typeof fields.retry_after === 'number' ? fields.retry_after : null,
  };
}
