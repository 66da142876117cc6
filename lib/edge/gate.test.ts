import { NextRequest } from 'next/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { handleToken } from '../http/handlers/token';
import { gate } from './gate';
import { AUTH_STATE_HEADER } from './paths';

/**
 * The middleware's logic with a frozen clock and the real token endpoint handler behind a
 * fetch stand-in (or a failing one). What Next.js forwards to the page is read back from the
 * `x-middleware-request-*` headers NextResponse.next({ request }) produces.
 */
describe('middleware gate', () => {
  let rig: TestRig;
  let calls: string[];
  const A = 'gatehouse-access';
  const R = 'gatehouse-refresh';

  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '60', AUTH_REFRESH_TTL: '600', AUTH_INTERNAL_URL: 'http://10.9.8.7:4000' });
    await rig.addUser('jon', { name: 'Jon Doe', admin: true });
    calls = [];
  });
  afterEach(() => rig.cleanup());

  const endpoint: typeof fetch = async (input, init) => {
    calls.push(String(input));
    return handleToken(new Request(String(input), init as RequestInit), rig.gh);
  };
  const down: typeof fetch = async (input) => {
    calls.push(String(input));
    throw new TypeError('fetch failed');
  };

  const run = (path: string, cookies: Record<string, string>, headers: Record<string, string> = {}, doFetch = endpoint) => {
    const request = new NextRequest(`http://localhost:3000${path}`, {
      headers: { cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; '), ...headers },
    });
    return gate(request, { config: rig.gh.config, keyring: rig.gh.keyring, now: rig.clock, fetch: doFetch });
  };
  const forwardedCookie = (res: Response) => res.headers.get('x-middleware-request-cookie') ?? '';

  it('passes a valid access token through without any I/O', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    const res = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {}, down);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(calls).toEqual([]);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('refreshes an expired token at AUTH_INTERNAL_URL, never the Host, into request and response', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    rig.clock.advance(61_000);
    const res = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
    });
    expect(calls).toEqual(['http://10.9.8.7:4000/api/auth/token']);
    const set = res.headers.getSetCookie();
    expect(set.map((c) => c.split('=')[0])).toEqual([A, R]);
    const newAccess = set[0]!.split(';')[0]!.slice(A.length + 1);
    expect(newAccess).not.toBe(pair.accessToken);
    // The page rendering this request sees the new token.
    expect(forwardedCookie(res)).toContain(`${A}=${newAccess}`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect((await rig.gh.store.findSession(pair.sessionId))!.gen).toBe(1);
  });

  it('refreshes when the access cookie is missing or garbage', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    expect((await run('/', { [R]: pair.refreshToken })).headers.getSetCookie()).toHaveLength(2);
    const again = await rig.gh.sessions.login('jon', 'password', META);
    expect((await run('/', { [A]: 'garbage', [R]: again.refreshToken })).headers.getSetCookie()).toHaveLength(2);
  });

  it('on invalid_grant clears both cookies: protected paths go to /login?next=, public ones render signed out', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    await rig.gh.sessions.logout({ refreshToken: pair.refreshToken }, META);
    const protectedRes = await run('/admin?tab=users', { [R]: pair.refreshToken });
    expect(protectedRes.status).toBe(307);
    expect(new URL(protectedRes.headers.get('location')!).pathname + new URL(protectedRes.headers.get('location')!).search).toBe(
      '/login?next=%2Fadmin%3Ftab%3Dusers',
    );
    expect(protectedRes.headers.getSetCookie().every((c) => c.includes('Max-Age=0'))).toBe(true);

    const publicRes = await run('/', { [R]: pair.refreshToken });
    expect(publicRes.headers.get('x-middleware-next')).toBe('1');
    expect(forwardedCookie(publicRes)).not.toContain(R);
    expect(publicRes.headers.getSetCookie()).toHaveLength(2);
  });

  it('when the endpoint is unreachable keeps the cookies and tells the page, without redirecting', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    rig.clock.advance(61_000);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const res = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {}, down);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get(`x-middleware-request-${AUTH_STATE_HEADER}`)).toBe('unavailable');
    expect((await rig.gh.store.findSession(pair.sessionId))!.gen).toBe(0);
  });

  it('strips the internal header from inbound requests', async () => {
    const res = await run('/', {}, { [AUTH_STATE_HEADER]: 'unavailable' });
    expect(res.headers.get(`x-middleware-request-${AUTH_STATE_HEADER}`)).toBeNull();
    expect(res.headers.get('x-middleware-override-headers')).not.toContain(AUTH_STATE_HEADER);
  });

  it('sends signed-out visitors of protected paths to /login, and lets public paths through', async () => {
    const res = await run('/dashboard', {});
    expect(res.status).toBe(307);
    expect((await run('/', {})).headers.get('x-middleware-next')).toBe('1');
    expect(calls).toEqual([]);
  });
});
