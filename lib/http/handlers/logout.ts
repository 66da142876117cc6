import type { Gatehouse } from '../../auth/gatehouse';
import { assertSameOrigin } from '../../edge/origin';
import { AFTER_SIGN_OUT } from '../../edge/routes';
import { isFormNavigation, readBody } from '../body';
import { cookieHeaders, setCookieLine } from '../cookies';
import { errorResponse, seeOther } from '../responses';
import { signOut } from '../sign-in';

/**
 * POST /api/auth/logout — revokes the session in the database (not just the cookies) and
 * clears the cookies. Idempotent: dead or missing tokens still get a clean sign-out.
 * A browser form post gets `303 /`; anything else `204`.
 */
export async function handleLogout(request: Request, gh: Gatehouse): Promise<Response> {
  try {
    assertSameOrigin(request, gh.config.publicUrl);
    const { fields } = await readBody(request);
    const headers = cookieHeaders(
      (await signOut(gh, request.headers, fields.refresh_token)).map(setCookieLine),
    );
    if (isFormNavigation(request)) return seeOther(AFTER_SIGN_OUT, headers);
    return new Response(null, { status: 204, headers });
  } catch (error) {
    return errorResponse(error);
  }
}
