import type { Gatehouse } from '../../auth/gatehouse';
import { NotFoundError } from '../../edge/errors';
import { errorResponse, json } from '../responses';

/**
 * GET /api/auth/revocations?since=<ms> — the revocation feed the middleware polls (lib/edge/
 * revocation-client.ts). Internal: only a request carrying the middleware's signed header gets
 * an answer; anyone else gets the same 404 as a path that does not exist, and no hint that the
 * feed is here. `since` is a time in ms; without it the whole access-token lifetime.
 */
export async function handleRevocations(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    const raw = new URL(request.url).searchParams.get('since');
    // A malformed `since` from the middleware is our bug; from anyone else it is just "not found".
    const since = raw === null ? null : /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    const feed = since === undefined ? null : await gh.revocations.feed(request.headers, since);
    if (!feed) throw new NotFoundError('not found');
    return json(feed);
  } catch (error) {
    return errorResponse(error);
  }
}
