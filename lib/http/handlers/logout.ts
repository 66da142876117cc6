import type { Gatehouse } from '../../auth/gatehouse';
import { isFormNavigation, readBody } from '../body';
import { clearAuthCookieHeaders, cookieHeaders, readAuthCookies } from '../cookies';
import { assertSameOrigin } from '../origin';
import { bearerToken, requestMeta } from '../request-meta';
import { errorResponse, seeOther } from '../responses';

/**
 * POST /api/auth/logout — revokes the session in the database (not just the cookies) and
 * clears the cookies. Idempotent: dead or missing tokens still get a clean sign-out.
 * A form post gets `303 /`; anything else `204`.
 */
export async function handleLogout(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const { fields } = await readBody(request);
    const cookies = readAuthCookies(request, gh.config);
    await gh.sessions.logout(
      {
        refreshToken: fields.refresh_token || cookies.refresh,
        accessToken: bearerToken(request) || cookies.access,
      },
      await requestMeta(request, gh.keyring, gh.clock()),
    );
    const headers = cookieHeaders(clearAuthCookieHeaders(gh.config));
    if (isFormNavigation(request)) return seeOther('/', headers);
    return new Response(null, { status: 204, headers });
  } catch (error) {
    return errorResponse(error);
  }
}
