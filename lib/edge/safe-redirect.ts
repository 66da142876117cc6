import { AFTER_SIGN_IN } from './routes';

/**
 * The only redirect targets Gatehouse follows after sign-in: a path on this origin. Anything
 * that a browser could read as another host — `//evil`, `/\evil`, `https://evil`, control
 * characters that browsers strip — falls back to `fallback`. Edge-safe.
 */
export function safeNextPath(value: string | null | undefined, fallback: string = AFTER_SIGN_IN): string {
  if (!value || value.length > 2048) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // Browsers drop tabs/newlines and treat backslashes as slashes, so "/\t/evil" becomes "//evil".
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return fallback; // 0x5c is the backslash
  }
  try {
    // Resolve against a placeholder origin: if the result leaves it, the path was not local.
    const base = 'http://gatehouse.invalid';
    const url = new URL(value, base);
    if (url.origin !== base) return fallback;
    const path = url.pathname + url.search + url.hash;
    // Dot segments can collapse into a scheme-relative path: "/.//evil" resolves to "//evil",
    // which a browser reads as another host. Check what we would actually send.
    if (path.startsWith('//') || path.startsWith('/\\')) return fallback;
    return path;
  } catch {
    return fallback;
  }
}
