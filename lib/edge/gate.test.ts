import { NextRequest } from 'next/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { handleToken } from '../http/handlers/token';
import { gate } from './gate';
import { RevocationSet } from './revocations';
import { AUTH_STATE_HEADER, CLIENT_ADDRESS_HEADER, PAGE_PATH_HEADER, signInternal, verifyInternal } from './internal-header';

/**
 * The middleware's logic with a frozen clock and the real token endpoint handler behind a
 * fetch stand-in (or a failing one). What Next.js forwards to the page is read back from the
 * `x-middleware-request-*` headers NextResponse.next({ request }) produces.
 */
describe('middleware gate', () => {
  let rig: TestRig;
  let calls: string[];
  /** The headers of each call to the token endpoint. */
  let sent: Headers[];
  const A = 'gatehouse-access';
  const R = 'gatehouse-refresh';

  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '60', AUTH_REFRESH_TTL: '600', AUTH_INTERNAL_URL: 'http://10.9.8.7:4000' });
    await rig.addUser('jon', { name: 'Jon Doe', admin: true });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
    calls = [];
    sent = [];
  });
  afterEach(() => rig.cleanup());

  const endpoint: typeof fetch = async (input, init) => {
    calls.push(String(input));
    const request = new Request(String(input), init as RequestInit);
    sent.push(new Headers(request.headers));
    return handleToken(request, rig.gh);
  };
  const down: typeof fetch = async (input) => {
    calls.push(String(input));
    throw new TypeError('fetch failed');
  };

  const run = (
    path: string,
    cookies: Record<string, string>,
    headers: Record<string, string> = {},
    doFetch = endpoint,
    revocations: RevocationSet | null = null,
  ) => {
    const request = new NextRequest(`http://localhost:3000${path}`, {
      headers: { cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; '), ...headers },
    });
    return gate(request, { config: rig.gh.config, keyring: rig.keyring, now: rig.clock, fetch: doFetch, revocations });
  };
  const forwardedCookie = (res: Response) => res.headers.get('x-middleware-request-cookie') ?? '';
  const forwarded = (res: Response, name: string) => res.headers.get(`x-middleware-request-${name}`);
  /** Names of the cookies the page would see, in order. */
  const forwardedNames = (res: Response) =>
    forwardedCookie(res)
      .split(';')
      .map((p) => p.split('=')[0]!.trim())
      .filter(Boolean);
  /** The response's policy has a nonce, and a forwarded request carries the same policy. */
  const nonceOf = (res: Response): string => {
    const policy = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([A-Za-z0-9+/]+=*)'/.exec(policy)?.[1];
    expect(nonce, `nonce in "${policy}"`).toBeTruthy();
    if (res.headers.get('x-middleware-next') === '1') {
      expect(forwarded(res, 'content-security-policy')).toBe(policy);
    }
    return nonce!;
  };

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
    expect((await rig.store.findSession(pair.sessionId))!.gen).toBe(1);
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

  describe('a valid token of a revoked session (the revocation set)', () => {
    it('is refused: the refresh the database refuses clears the cookies and sends the page to /login', async () => {
      const pair = await rig.gh.sessions.login('jon', 'password', META);
      // Signed out elsewhere; the token itself is still unexpired.
      await rig.store.revokeSession(pair.sessionId, 'logout', rig.clock());
      const set = new RevocationSet();
      set.apply({ sessions: [[pair.sessionId, rig.clock()]], users: [] });
      const res = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {}, endpoint, set);
      expect(calls).toEqual(['http://10.9.8.7:4000/api/auth/token']);
      expect(res.status).toBe(307);
      expect(new URL(res.headers.get('location')!).pathname).toBe('/login');
      expect(res.headers.getSetCookie().every((c) => c.includes('Max-Age=0'))).toBe(true);
      // Without the set the same token would have passed.
      calls.length = 0;
      const unchecked = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {}, endpoint, null);
      expect(unchecked.headers.get('x-middleware-next')).toBe('1');
      expect(calls).toEqual([]);
    });

    it('is refused for a banned user’s tokens issued before the ban, others pass without any I/O', async () => {
      const jon = await rig.gh.sessions.login('jon', 'password', META);
      const ada = await rig.gh.sessions.login('ada', 'password', META);
      rig.clock.advance(1000);
      const set = new RevocationSet();
      set.apply({ sessions: [], users: [[ada.user.id, rig.clock()]] });
      const passed = await run('/dashboard', { [A]: jon.accessToken }, {}, down, set);
      expect(passed.headers.get('x-middleware-next')).toBe('1');
      expect(calls).toEqual([]);
      const refused = await run('/dashboard', { [A]: ada.accessToken }, {}, down, set);
      expect(refused.status).toBe(307);
    });
  });

  it('when the endpoint is unreachable keeps the cookies and tells the page, without redirecting', async () => {
    const pair = await rig.gh.sessions.login('jon', 'password', META);
    rig.clock.advance(61_000);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const res = await run('/dashboard', { [A]: pair.accessToken, [R]: pair.refreshToken }, {}, down);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-middleware-next')).toBe('1');
    expect(res.headers.getSetCookie()).toEqual([]);
    // Signed, so a client sending the same header (where the middleware never ran) gains nothing.
    const state = forwarded(res, AUTH_STATE_HEADER);
    expect(state).not.toBe('unavailable');
    expect(await verifyInternal(rig.keyring.macs.internal, AUTH_STATE_HEADER, state, rig.clock())).toBe(
      'unavailable',
    );
    // …and only for this purpose: the same MAC does not vouch for a client address.
    expect(
      await verifyInternal(rig.keyring.macs.internal, CLIENT_ADDRESS_HEADER, state, rig.clock()),
    ).toBeNull();
    expect((await rig.store.findSession(pair.sessionId))!.gen).toBe(0);
  });

  it('strips every inbound x-gatehouse-* header, even a correctly signed one', async () => {
    const signed = await signInternal(
      rig.keyring.macs.internal,
      AUTH_STATE_HEADER,
      'unavailable',
      rig.clock(),
    );
    const res = await run(
      '/',
      {},
      {
        [AUTH_STATE_HEADER]: signed,
        [CLIENT_ADDRESS_HEADER]: '198.51.100.7',
        'X-Gatehouse-Anything': '1',
      },
    );
    expect(forwarded(res, AUTH_STATE_HEADER)).toBeNull();
    expect(forwarded(res, CLIENT_ADDRESS_HEADER)).toBeNull();
    expect(forwarded(res, 'x-gatehouse-anything')).toBeNull();
    // The one it sets itself: the page's own path, for requireUser()'s way back after sign-in.
    expect(forwarded(res, PAGE_PATH_HEADER)).toBe('/');
  });

  describe('state-changing requests from another origin (server actions included)', () => {
    const post = (headers: Record<string, string>) =>
      gate(new NextRequest('http://localhost:3000/login', { method: 'POST', headers: { 'next-action': 'abc', ...headers } }), {
        config: rig.gh.config,
        keyring: rig.keyring,
        now: rig.clock,
        fetch: endpoint,
      });

    it.each([
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ["Origin 'null' (sandboxed frame, data: URL)", { origin: 'null' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['a same-site sibling naming our origin', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' }],
    ])('refuses %s with 403 cross_origin_request before any action runs', async (_name, headers) => {
      const res = await post(headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross_origin_request' });
      expect(res.headers.get('x-middleware-next')).toBeNull();
      nonceOf(res);
      expect(calls).toEqual([]);
    });

    it('lets same-origin posts and non-browser clients through, and never checks GET', async () => {
      const allowed: Record<string, string>[] = [{ origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' }, {}];
      for (const headers of allowed) {
        expect((await post(headers)).headers.get('x-middleware-next')).toBe('1');
      }
      const get = await run('/', {}, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
      expect(get.headers.get('x-middleware-next')).toBe('1');
    });
  });

  describe('an auth cookie sent twice (cookie tossing) is nobody signed in', () => {
    it("Jon's and Ada's valid access cookies: protected path to /login, no refresh, nothing set", async () => {
      const jon = await rig.gh.sessions.login('jon', 'password', META);
      const ada = await rig.gh.sessions.login('ada', 'password', META);
      const cookie = `${A}=${jon.accessToken}; ${A}=${ada.accessToken}; ${R}=${jon.refreshToken}`;
      const res = await run('/dashboard', {}, { cookie });
      expect(res.status).toBe(307);
      expect(new URL(res.headers.get('location')!).pathname).toBe('/login');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(calls).toEqual([]);
    });

    it('a public path renders signed out: neither auth cookie reaches the page, the others do', async () => {
      const jon = await rig.gh.sessions.login('jon', 'password', META);
      const ada = await rig.gh.sessions.login('ada', 'password', META);
      const res = await run(
        '/',
        {},
        {
          cookie: `theme=dark; ${A}=${jon.accessToken}; ${R}=${jon.refreshToken}; ${A}=${ada.accessToken}; lang=en`,
        },
      );
      expect(res.headers.get('x-middleware-next')).toBe('1');
      expect(forwardedNames(res)).toEqual(['theme', 'lang']);
      expect(calls).toEqual([]);
    });

    it('a duplicated refresh cookie spoils a valid access cookie too, and is not spent on a guess', async () => {
      const jon = await rig.gh.sessions.login('jon', 'password', META);
      const valid = await run(
        '/',
        {},
        { cookie: `${A}=${jon.accessToken}; ${R}=${jon.refreshToken}; ${R}=x` },
      );
      expect(forwardedNames(valid)).toEqual([]);
      rig.clock.advance(61_000);
      const expired = await run(
        '/dashboard',
        {},
        { cookie: `${R}=${jon.refreshToken}; ${A}=${jon.accessToken}; ${R}=${jon.refreshToken}` },
      );
      expect(expired.status).toBe(307);
      expect(calls).toEqual([]);
      expect((await rig.store.findSession(jon.sessionId))!.gen).toBe(0);
    });

    it("spacing around a name doesn't make it a different cookie", async () => {
      const jon = await rig.gh.sessions.login('jon', 'password', META);
      const ada = await rig.gh.sessions.login('ada', 'password', META);
      const res = await run('/', {}, { cookie: `${A}=${jon.accessToken};${A} =${ada.accessToken}` });
      expect(res.headers.get('x-middleware-next')).toBe('1');
      expect(forwardedCookie(res)).not.toContain(A);
      expect(forwardedCookie(res)).not.toContain(ada.accessToken);
    });
  });

  describe("the refresh call carries the browser's address, signed", () => {
    it('the first X-Forwarded-For entry (set by server.ts) reaches the endpoint and its audit trail', async () => {
      const pair = await rig.gh.sessions.login('jon', 'password', META);
      rig.clock.advance(61_000);
      const res = await run(
        '/dashboard',
        { [R]: pair.refreshToken },
        { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' },
      );
      expect(res.headers.getSetCookie()).toHaveLength(2);
      const header = sent[0]!.get(CLIENT_ADDRESS_HEADER);
      expect(header).not.toBe('203.0.113.9');
      expect(
        await verifyInternal(rig.keyring.macs.internal, CLIENT_ADDRESS_HEADER, header, rig.clock()),
      ).toBe('203.0.113.9');
      const refreshed = (await rig.store.listEvents({ userId: pair.user.id })).filter(
        (e) => e.type === 'refresh',
      );
      expect(refreshed.map((e) => e.ip)).toEqual(['203.0.113.9']);
    });

    it('IPv6 addresses are relayed as they are', async () => {
      const pair = await rig.gh.sessions.login('jon', 'password', META);
      await run('/', { [R]: pair.refreshToken }, { 'x-forwarded-for': '2001:db8::7' });
      expect(
        await verifyInternal(
          rig.keyring.macs.internal,
          CLIENT_ADDRESS_HEADER,
          sent[0]!.get(CLIENT_ADDRESS_HEADER),
          rig.clock(),
        ),
      ).toBe('2001:db8::7');
    });

    it('no address, or no IP address, means no header: never a client-supplied one', async () => {
      const signed = await signInternal(
        rig.keyring.macs.internal,
        CLIENT_ADDRESS_HEADER,
        '198.51.100.7',
        rig.clock(),
      );
      const cases: Record<string, string>[] = [
        {},
        { 'x-forwarded-for': 'unknown' },
        { 'x-forwarded-for': '1.2.3.4;1;x' },
        { [CLIENT_ADDRESS_HEADER]: signed },
      ];
      for (const headers of cases) {
        const pair = await rig.gh.sessions.login('jon', 'password', META);
        await run('/', { [R]: pair.refreshToken }, headers);
        expect(sent.at(-1)!.get(CLIENT_ADDRESS_HEADER), JSON.stringify(headers)).toBeNull();
      }
      expect(sent).toHaveLength(4);
    });
  });

  it('gives every kind of response a policy with a fresh nonce, and the page the same policy', async () => {
    const nonces: string[] = [];
    const jon = await rig.gh.sessions.login('jon', 'password', META);
    const valid = await run('/dashboard', { [A]: jon.accessToken });
    expect(valid.headers.get('x-middleware-next')).toBe('1');
    nonces.push(nonceOf(valid));

    const signedOutPublic = await run('/', {});
    expect(signedOutPublic.headers.get('x-middleware-next')).toBe('1');
    nonces.push(nonceOf(signedOutPublic));

    const signedOutProtected = await run('/admin', {});
    expect(signedOutProtected.status).toBe(307);
    nonces.push(nonceOf(signedOutProtected));

    const duplicated = await run(
      '/dashboard',
      {},
      { cookie: `${A}=${jon.accessToken}; ${A}=${jon.accessToken}` },
    );
    expect(duplicated.status).toBe(307);
    nonces.push(nonceOf(duplicated));

    rig.clock.advance(61_000);
    const refreshed = await run('/dashboard', { [R]: jon.refreshToken });
    expect(refreshed.headers.getSetCookie()).toHaveLength(2);
    nonces.push(nonceOf(refreshed));

    const ended = await rig.gh.sessions.login('jon', 'password', META);
    await rig.gh.sessions.logout({ refreshToken: ended.refreshToken }, META);
    const goneProtected = await run('/dashboard', { [R]: ended.refreshToken });
    expect(goneProtected.status).toBe(307);
    nonces.push(nonceOf(goneProtected));
    const gonePublic = await run('/', { [R]: ended.refreshToken });
    expect(gonePublic.headers.get('x-middleware-next')).toBe('1');
    nonces.push(nonceOf(gonePublic));

    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const unavailable = await run('/dashboard', { [R]: jon.refreshToken }, {}, down);
    expect(forwarded(unavailable, AUTH_STATE_HEADER)).not.toBeNull();
    nonces.push(nonceOf(unavailable));

    expect(new Set(nonces).size).toBe(8);
  });

  it("replaces a client's own Content-Security-Policy request header: the nonce is never the client's", async () => {
    const res = await run(
      '/',
      {},
      { 'content-security-policy': "script-src 'nonce-QUFBQUFBQUFBQUFBQUFBQQ=='" },
    );
    expect(forwarded(res, 'content-security-policy')).not.toContain('QUFBQUFBQUFBQUFBQUFBQQ==');
    expect(forwarded(res, 'content-security-policy')).toBe(res.headers.get('content-security-policy'));
  });

  it('sends signed-out visitors of protected paths to /login, and lets public paths through', async () => {
    const res = await run('/dashboard', {});
    expect(res.status).toBe(307);
    expect((await run('/', {})).headers.get('x-middleware-next')).toBe('1');
    expect(calls).toEqual([]);
  });
});
