import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { decodeJwt } from 'jose';
import type { Session } from '../../lib/auth/store';
import { databaseUrl, withStore } from './database';
import { COOKIE, CONTROL_PORT, MAIN, ROOT, USERS } from './env';
import { expect } from './fixtures';

export type UserName = keyof typeof USERS;

/** Signs in through the real form, as a person would, and waits to be sent on. */
export async function signIn(page: Page, user: UserName, path = '/login') {
  await page.goto(path);
  await page.getByLabel('Username').fill(USERS[user].username);
  await page.getByLabel('Password').fill(USERS[user].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

/** The login form's error message (Next's route announcer is another role=alert on the page). */
export const loginError = (page: Page) => page.getByTestId('login-error');

/**
 * Puts a cookie into the jar as the server set it (host-only, Secure, httpOnly, Path=/), with
 * whatever value and a long browser-side lifetime: how a client holding an old token sends it.
 */
export async function plantCookie(context: BrowserContext, name: string, value: string) {
  await context.addCookies([
    { name, value, domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Lax', expires: Date.now() / 1000 + 3600 },
  ]);
}

export async function authCookies(context: BrowserContext) {
  const all = await context.cookies();
  return { access: all.find((c) => c.name === COOKIE.access), refresh: all.find((c) => c.name === COOKIE.refresh) };
}

export const jtiOf = (token: string) => decodeJwt(token).jti as string;
export const sidOf = (token: string) => decodeJwt(token).sid as string;

/** Waits until the access token in the jar has expired (its cookie expires with it). */
export async function waitForAccessExpiry(context: BrowserContext) {
  const { access } = await authCookies(context);
  if (!access) return; // its cookie is gone: it has expired already
  const exp = decodeJwt(access.value).exp! * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 250));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session of the main server, read straight from its database (SQLite or the cluster's PostgreSQL). */
export function sessionRow(sid: string): Promise<Session | null> {
  return withStore(MAIN, (store) => store.findSession(sid));
}

/** Runs `npm run users -- …` against the e2e database, as an operator would. */
export function usersCommand(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'users.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl(MAIN) } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve(stdout)),
    );
  });
}

/** Switches the proxy between the middleware and the token endpoint (on a cluster: every instance's). */
export async function tokenEndpoint(state: 'up' | 'down') {
  const res = await fetch(`http://127.0.0.1:${CONTROL_PORT}/${state}`, { method: 'POST' });
  expect(await res.text()).toBe(state);
}

/** How many refreshes each instance's middleware has sent its token endpoint so far, in instance order. */
export async function refreshesPerInstance(): Promise<number[]> {
  const res = await fetch(`http://127.0.0.1:${CONTROL_PORT}/refreshes`);
  return (await res.json()) as number[];
}
