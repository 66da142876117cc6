import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/**
 * Every page and state the suite visits must fit the phone it is on and pass axe-core.
 *
 * Fit: the document is no wider than the viewport, so nothing scrolls sideways (a wide table
 * scrolls inside its card, in a focusable region). Axe: every rule axe runs by default (WCAG
 * 2.x A/AA and best practices), zero violations. Axe is injected through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern: no policy is loosened
 * for it, and the suite's CSP watch (fixtures.ts) stays on.
 */
export async function expectAccessible(page: Page, state = page.url()): Promise<void> {
  await expectNoSidewaysScroll(page, state);
  const results = await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(violations, `axe-core violations on ${state}`).toEqual([]);
}

/** The page's width fits the viewport: no horizontal scrolling at this size. */
export async function expectNoSidewaysScroll(page: Page, state = page.url()): Promise<void> {
  const size = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    innerWidth: window.innerWidth,
  }));
  const viewport = Math.min(size.clientWidth, size.innerWidth);
  expect(
    size.scrollWidth,
    `${state} is ${size.scrollWidth}px wide in a ${viewport}px viewport`,
  ).toBeLessThanOrEqual(viewport);
}
