import 'server-only';
import { cookies } from 'next/headers';
import type { CookieSpec } from '../http/cookies';

/** Shared by the server actions: reading a posted form, writing the cookies an outcome carries. */

/**
 * A text field, or undefined (a file upload under that name counts as missing). An action can
 * be called with any body, not only a form (every export of a 'use server' file is an
 * endpoint): anything that is not FormData has no fields, and the action answers "missing".
 */
export function stringField(form: unknown, name: string): string | undefined {
  if (!(form instanceof FormData)) return undefined;
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Writes CookieSpecs (lib/http/cookies.ts, the one way a cookie is made) through Next's cookies(). */
export async function setCookies(specs: readonly CookieSpec[]): Promise<void> {
  const jar = await cookies();
  for (const { name, value, options } of specs) jar.set(name, value, options);
}
