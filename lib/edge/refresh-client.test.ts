import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestRefresh } from './refresh-client';

/**
 * The middleware's deadline on the token endpoint: one for the answer to start, a fresh one for
 * its body. A late 200 has rotated the session already; dropping it would cost the browser its
 * session unless it retried within the grace window.
 */
const TOKENS = { access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' };

/** A token endpoint whose headers come after `headersAfter` ms and whose body after `bodyAfter` more. */
function slowEndpoint(headersAfter: number, bodyAfter: number | 'never'): typeof fetch {
  return (_url, init) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal;
      signal?.addEventListener('abort', () => reject(signal.reason));
      setTimeout(() => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            signal?.addEventListener('abort', () => controller.error(signal.reason));
            if (bodyAfter === 'never') return;
            setTimeout(() => {
              controller.enqueue(new TextEncoder().encode(JSON.stringify(TOKENS)));
              controller.close();
            }, bodyAfter);
          },
        });
        resolve(new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }));
      }, headersAfter);
    });
}

describe('requestRefresh deadlines', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  async function settle(endpoint: typeof fetch, ms: number) {
    const outcome = requestRefresh('http://127.0.0.1:1', 'refresh', { fetch: endpoint, timeoutMs: 5000 });
    await vi.advanceTimersByTimeAsync(ms);
    return outcome;
  }

  it('keeps a 200 whose headers came just inside the deadline and whose body took a while longer', async () => {
    const outcome = await settle(slowEndpoint(4000, 4000), 9000);
    expect(outcome).toMatchObject({ kind: 'ok', accessToken: 'a', refreshToken: 'r', expiresIn: 900 });
  });

  it('gives up on an endpoint that never starts answering', async () => {
    const outcome = await settle(slowEndpoint(60_000, 0), 6000);
    expect(outcome).toEqual({ kind: 'unavailable', detail: 'TimeoutError' });
  });

  it('gives up on a body that never finishes, and says so', async () => {
    const outcome = await settle(slowEndpoint(10, 'never'), 6000);
    expect(outcome).toEqual({ kind: 'unavailable', detail: 'token endpoint answered 200' });
  });
});
