/**
 * The cookies one client holds, kept as a browser keeps them: a Set-Cookie replaces the cookie
 * of that name, and one with `Max-Age=0` (or an expiry in the past) removes it. Path, domain
 * and Secure are not checked: every script talks to one origin.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Takes a response's Set-Cookie lines; returns the names it removed. */
  apply(lines: readonly string[]): string[] {
    const removed: string[] = [];
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || attributes.some(expired)) {
        this.cookies.delete(name);
        removed.push(name);
      } else {
        this.cookies.set(name, value);
      }
    }
    return removed;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** The value of the cookie whose name ends with `suffix` (the `__Host-` prefix varies). */
  find(suffix: string): string | undefined {
    for (const [name, value] of this.cookies) if (name.endsWith(suffix)) return value;
    return undefined;
  }

  /** Forgets the cookie whose name ends with `suffix`, as a browser does once it expires. */
  drop(suffix: string): void {
    for (const name of [...this.cookies.keys()]) if (name.endsWith(suffix)) this.cookies.delete(name);
  }
}

function expired(attribute: string): boolean {
  const [key = '', value = ''] = attribute.split('=').map((s) => s.trim());
  if (key.toLowerCase() === 'max-age') return Number(value) <= 0;
  if (key.toLowerCase() === 'expires') return Date.parse(value) <= Date.now();
  return false;
}
