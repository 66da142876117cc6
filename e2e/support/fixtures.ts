import { test as base, expect, type BrowserContext, type ConsoleMessage } from '@playwright/test';

/**
 * Every spec imports `test` and `expect` from here, not from '@playwright/test'. A test fails
 * when any page it opened — in its own context or in one it made with browser.newContext() —
 * breaks the Content-Security-Policy, or logs an error or throws one the test did not declare.
 * A policy that blocks one of our own scripts shows up as nothing more than a console line and
 * a page that quietly stops working; this turns it into a red test.
 */
export interface BrowserChecks {
  /**
   * Console errors (and uncaught page errors) this test provokes on purpose, matched against
   * "<text> <url>" — e.g. `/status of 401 .*\/api\/auth\/login$/` for a wrong password. Each
   * must occur at least once, so the list cannot outlive the behaviour it excuses. A CSP or
   * Permissions-Policy complaint can never be excused.
   */
  expectedConsoleErrors: readonly RegExp[];
}

/** What the browser reported during one test. */
export class BrowserProblems {
  private readonly problems: string[] = [];
  private readonly seen = new Set<RegExp>();
  private readonly watched = new WeakMap<BrowserContext, Promise<void>>();

  constructor(private readonly expected: readonly RegExp[]) {}

  /** Starts listening to a context; every page it opens afterwards is covered. Idempotent. */
  watch(context: BrowserContext): Promise<void> {
    let ready = this.watched.get(context);
    if (!ready) {
      context.on('console', (message) => this.onConsole(message));
      context.on('weberror', (error) =>
        this.onError('uncaught', error.error().message, error.page()?.url() ?? ''),
      );
      // The console already names most violations; the event also catches any it words
      // differently, and says which directive blocked what.
      ready = Promise.all([
        context.exposeBinding('__gatehouseCspViolation', ({ page }, detail: string) => {
          this.problems.push(`CSP violation on ${page.url()}: ${detail}`);
        }),
        context.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (e) => {
            const report = (window as unknown as { __gatehouseCspViolation?: (d: string) => void })
              .__gatehouseCspViolation;
            report?.(
              `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
            );
          });
        }),
      ]).then(() => undefined);
      this.watched.set(context, ready);
    }
    return ready;
  }

  /** The problems so far, forgotten: for a test that breaks the policy on purpose. */
  take(): string[] {
    return this.problems.splice(0);
  }

  /** Throws, listing everything unexpected and every expectation that never came true. */
  verdict(): void {
    const unmet = this.expected.filter((pattern) => !this.seen.has(pattern));
    const lines = [
      ...this.problems,
      ...unmet.map((p) => `expected console error ${p} never happened: drop it from expectedConsoleErrors`),
    ];
    if (lines.length > 0) throw new Error(`The browser reported problems:\n  ${lines.join('\n  ')}`);
  }

  private onConsole(message: ConsoleMessage): void {
    const text = message.text();
    const where = message.location().url;
    if (/Content[- ]Security[- ]Policy|Permissions[- ]Policy/i.test(text)) {
      this.problems.push(`policy complaint (${message.type()}) at ${where}: ${text}`);
    } else if (message.type() === 'error') {
      this.onError('console error', text, where);
    }
  }

  private onError(kind: string, text: string, where: string): void {
    const line = `${text} ${where}`;
    const excuse = this.expected.find((pattern) => pattern.test(line));
    if (excuse) this.seen.add(excuse);
    else this.problems.push(`${kind}: ${line}`);
  }
}

export const test = base.extend<BrowserChecks & { browserProblems: BrowserProblems }>({
  expectedConsoleErrors: [[], { option: true }],

  browserProblems: [
    async ({ browser, expectedConsoleErrors }, use) => {
      const problems = new BrowserProblems(expectedConsoleErrors);
      // Contexts a test makes itself (browser.newContext()) are watched from their creation.
      // (A context closed before its hooks are in has no pages left to watch.)
      const onContext = (context: BrowserContext) => void problems.watch(context).catch(() => undefined);
      browser.on('context', onContext);
      await use(problems);
      browser.off('context', onContext);
      problems.verdict();
    },
    { auto: true },
  ],

  context: async ({ context, browserProblems }, use) => {
    await browserProblems.watch(context);
    await use(context);
  },
});

export { expect };
