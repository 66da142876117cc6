import Bowser from 'bowser';

/**
 * "Chrome 131 on macOS": what a person recognises their own devices by in the sessions list,
 * from the user agent the session was started with. Parsed with bowser (MIT, maintained),
 * not by hand: user agents are a swamp of tokens pretending to be each other.
 *
 * Only the browser's major version: the rest changes with every update and says nothing to a
 * person. Only the OS's name: browsers freeze the version they report (macOS 10.15.7 and
 * Windows NT 10.0 forever). A client that is not a browser (curl, an app) shows its first
 * product token as it sent it, cut short.
 */
const MAX_LENGTH = 60;

export function deviceName(userAgent: string | null): string {
  const ua = userAgent?.trim();
  if (!ua) return 'Unknown device';
  let browser: { name?: string; version?: string } = {};
  let os: { name?: string } = {};
  try {
    const parsed = Bowser.parse(ua);
    browser = parsed.browser;
    os = parsed.os;
  } catch {
    // An agent bowser cannot read is shown as sent.
  }
  if (!browser.name) {
    const product = ua.split(/\s+/)[0]!;
    return product.length > MAX_LENGTH ? `${product.slice(0, MAX_LENGTH - 1)}…` : product;
  }
  const major = browser.version?.match(/^\d+/)?.[0];
  const name = major ? `${browser.name} ${major}` : browser.name;
  return os.name ? `${name} on ${os.name}` : name;
}
