import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deriveKeyring } from '../lib/edge/keys';
import { sealRefreshToken, unsealRefreshToken } from '../lib/edge/refresh-token';
import { handleLogin } from '../lib/http/handlers/login';
import { handleLogout } from '../lib/http/handlers/logout';
import { handleAdmin, handlePrivate } from '../lib/http/handlers/protected';
import { handleToken } from '../lib/http/handlers/token';
import { makeRig, type TestRig } from './helpers';
import { get, ORIGIN, post, setCookies } from './requests';

/**
 * The route handlers driven with real Web Requests against a temporary SQLite database, exactly
 * as Next.js calls them (app/api/** only adds `await getGatehouse()`).
 */
const SEC = 1000;

/** What a browser adds to a plain HTML form post (no JavaScript): it expects a page back. */
const BROWSER_FORM = { origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'document', accept: 'text/html,*/*;q=0.8' };

describe('route handlers', () => {
  let rig: TestRig;
  const A = 'gatehouse-access';
  const R = 'gatehouse-refresh';

  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '86400', AUTH_REFRESH_GRACE: '10' });
    await rig.addUser('jon', { name: 'Jon Doe', admin: true });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  async function loginJson(username = 'jon') {
    const res = await handleLogin(post('/api/auth/login', { json: { username, password: 'password' } }), rig.gh);
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; refresh_token: string; token_type: string; expires_in: number };
  }

  describe('POST /api/auth/login', () => {
    it('answers a JSON client with the token pair and sets both cookies', async () => {
      const res = await handleLogin(post('/api/auth/login', { json: { username: 'jon', password: 'password' } }), rig.gh);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      const body = await res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      const cookies = setCookies(res);
      expect(cookies[A]!.value).toBe(body.access_token);
      expect(cookies[R]!.value).toBe(body.refresh_token);
      expect(cookies[A]!.attrs).toBe('Max-Age=900; Path=/; HttpOnly; SameSite=Lax');
      expect(cookies[R]!.attrs).toBe('Max-Age=86400; Path=/; HttpOnly; SameSite=Lax');
    });

    it('answers a form post with Accept: application/json as JSON too', async () => {
      const res = await handleLogin(
        post('/api/auth/login', { form: { username: 'jon', password: 'password' } }, { accept: 'application/json' }),
        rig.gh,
      );
      expect(res.status).toBe(200);
      expect((await res.json()).token_type).toBe('Bearer');
    });

    it("answers the tutorial's own curl command (a form post, no browser headers) with the token pair as JSON", async () => {
      // curl -X POST localhost:3000/api/auth/login -d "username=jon&password=password"
      const res = await handleLogin(
        post('/api/auth/login', { form: { username: 'jon', password: 'password' } }, { accept: '*/*', 'user-agent': 'curl/8.5.0' }),
        rig.gh,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = await res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
      const refreshed = await handleToken(post('/api/auth/token', { form: { refresh_token: body.refresh_token } }), rig.gh);
      expect(Object.keys(await refreshed.json()).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
      const out = await handleLogout(post('/api/auth/logout', { form: { refresh_token: body.refresh_token } }), rig.gh);
      expect(out.status).toBe(204);
    });

    it('a browser form post (Origin, Sec-Fetch-*, or an HTML Accept) is a navigation: it gets a redirect', async () => {
      const signals: Record<string, string>[] = [{ origin: ORIGIN }, { 'sec-fetch-site': 'same-origin' }, { accept: 'text/html' }, { 'sec-fetch-dest': 'document' }];
      for (const headers of signals) {
        const res = await handleLogin(post('/api/auth/login', { form: { username: 'jon', password: 'password' } }, headers), rig.gh);
        expect(res.status, JSON.stringify(headers)).toBe(303);
      }
    });

    it('redirects a form post to a safe next, or /dashboard', async () => {
      const ok = await handleLogin(post('/api/auth/login', { form: { username: 'jon', password: 'password', next: '/admin?x=1' } }, BROWSER_FORM), rig.gh);
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe('/admin?x=1');
      expect(ok.headers.get('cache-control')).toBe('private, no-store');
      expect(Object.keys(setCookies(ok))).toEqual([A, R, expect.stringMatching(/^gatehouse-device-[\w-]{12}$/)]);
      for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', '/\t/evil.example', 'javascript:alert(1)', '/.//evil.example', '/%2e%2e//evil.example']) {
        const res = await handleLogin(post('/api/auth/login', { form: { username: 'jon', password: 'password', next } }, BROWSER_FORM), rig.gh);
        expect(res.headers.get('location'), next).toBe('/dashboard');
      }
    });

    it('refuses wrong credentials: JSON 401, form 303 back to /login with error and next kept', async () => {
      const json = await handleLogin(post('/api/auth/login', { json: { username: 'jon', password: 'nope' } }), rig.gh);
      expect(json.status).toBe(401);
      expect((await json.json()).error).toBe('invalid_credentials');
      expect(json.headers.getSetCookie()).toEqual([]);
      const unknown = await handleLogin(post('/api/auth/login', { json: { username: 'nobody', password: 'password' } }), rig.gh);
      expect(unknown.status).toBe(401);
      expect((await unknown.json()).error).toBe('invalid_credentials');

      const form = await handleLogin(post('/api/auth/login', { form: { username: 'jon', password: 'nope', next: '/admin' } }, BROWSER_FORM), rig.gh);
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe('/login?error=invalid_credentials&next=%2Fadmin');
      const evil = await handleLogin(post('/api/auth/login', { form: { username: 'jon', password: 'nope', next: '//evil' } }, BROWSER_FORM), rig.gh);
      expect(evil.headers.get('location')).toBe('/login?error=invalid_credentials');
    });

    it('replaces the session of a client that signs in again', async () => {
      const first = await loginJson();
      const res = await handleLogin(
        post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { cookie: `${R}=${first.refresh_token}` }),
        rig.gh,
      );
      expect(res.status).toBe(200);
      const { sid } = await unsealRefreshToken(rig.keyring, first.refresh_token);
      expect(await rig.store.findSession(sid)).toMatchObject({ revokedReason: 'logout' });
    });
  });

  describe('POST /api/auth/token', () => {
    it('rotates the refresh token from the cookie, answering with cookies only', async () => {
      const first = await loginJson();
      const res = await handleToken(post('/api/auth/token', {}, { cookie: `${A}=${first.access_token}; ${R}=${first.refresh_token}` }), rig.gh);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      // A page script that can only ride the httpOnly cookie must not get a readable token.
      expect(await res.json()).toEqual({ token_type: 'Bearer', expires_in: 900 });
      const cookies = setCookies(res);
      expect(cookies[R]!.value).not.toBe(first.refresh_token);
      expect(await unsealRefreshToken(rig.keyring, cookies[R]!.value)).toMatchObject({ gen: 1 });
      expect(cookies[A]!.value).not.toBe(first.access_token);
    });

    it('rotates the refresh token from a form or JSON field (the tutorial flow)', async () => {
      const first = await loginJson();
      const form = await handleToken(post('/api/auth/token', { form: { refresh_token: first.refresh_token } }), rig.gh);
      expect(form.status).toBe(200);
      const second = await form.json();
      const json = await handleToken(post('/api/auth/token', { json: { grant_type: 'refresh_token', refresh_token: second.refresh_token } }), rig.gh);
      expect(json.status).toBe(200);
    });

    it('answers 401 invalid_grant and clears both cookies for a dead token', async () => {
      const first = await loginJson();
      await handleToken(post('/api/auth/token', { form: { refresh_token: first.refresh_token } }), rig.gh);
      rig.clock.advance(11 * SEC);
      const res = await handleToken(post('/api/auth/token', { form: { refresh_token: first.refresh_token } }), rig.gh);
      expect(res.status).toBe(401);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
      const cleared = setCookies(res);
      expect(cleared[A]).toMatchObject({ value: '' });
      expect(cleared[R]!.attrs).toContain('Max-Age=0');
    });

    it('20 concurrent refreshes of the same token all succeed; the generation advances once', async () => {
      const first = await loginJson();
      const { sid } = await unsealRefreshToken(rig.keyring, first.refresh_token);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          handleToken(post('/api/auth/token', {}, { cookie: `${R}=${first.refresh_token}` }), rig.gh),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(await rig.store.findSession(sid)).toMatchObject({ gen: 1, revokedAt: null });
      // Stragglers inside the grace window are still fine, and still do not rotate.
      rig.clock.advance(5 * SEC);
      const late = await handleToken(post('/api/auth/token', {}, { cookie: `${R}=${first.refresh_token}` }), rig.gh);
      expect(late.status).toBe(200);
      expect(await rig.store.findSession(sid)).toMatchObject({ gen: 1, revokedAt: null });
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the session and clears cookies: JSON 204, form 303 /', async () => {
      const pair = await loginJson();
      const { sid } = await unsealRefreshToken(rig.keyring, pair.refresh_token);
      const res = await handleLogout(post('/api/auth/logout', {}, { cookie: `${A}=${pair.access_token}; ${R}=${pair.refresh_token}` }), rig.gh);
      expect(res.status).toBe(204);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(Object.keys(setCookies(res))).toEqual([A, R]);
      expect(await rig.store.findSession(sid)).toMatchObject({ revokedReason: 'logout' });
      const again = await handleToken(post('/api/auth/token', { form: { refresh_token: pair.refresh_token } }), rig.gh);
      expect(again.status).toBe(401);

      const second = await loginJson('ada');
      const form = await handleLogout(post('/api/auth/logout', { form: {} }, { ...BROWSER_FORM, cookie: `${R}=${second.refresh_token}` }), rig.gh);
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe('/');
    });

    it('revokes by bearer access token for API clients', async () => {
      const pair = await loginJson();
      const { sid } = await unsealRefreshToken(rig.keyring, pair.refresh_token);
      const res = await handleLogout(post('/api/auth/logout', {}, { authorization: `Bearer ${pair.access_token}` }), rig.gh);
      expect(res.status).toBe(204);
      expect(await rig.store.findSession(sid)).toMatchObject({ revokedReason: 'logout' });
    });
  });

  describe('GET /api/private and /api/admin', () => {
    it('welcome a bearer token or the access cookie', async () => {
      const pair = await loginJson();
      const bearer = await handlePrivate(get('/api/private', { authorization: `Bearer ${pair.access_token}` }), rig.gh);
      expect(bearer.status).toBe(200);
      expect(bearer.headers.get('cache-control')).toBe('private, no-store');
      expect(await bearer.json()).toMatchObject({ message: 'Welcome Jon Doe!', user: { name: 'Jon Doe', admin: true } });
      const cookie = await handlePrivate(get('/api/private', { cookie: `${A}=${pair.access_token}` }), rig.gh);
      expect(cookie.status).toBe(200);
    });

    it('read the cookie when Authorization carries another scheme (a site behind HTTP Basic auth)', async () => {
      const pair = await loginJson();
      const basic = { authorization: 'Basic am9uOnBhc3N3b3Jk' };
      const res = await handlePrivate(get('/api/private', { ...basic, cookie: `${A}=${pair.access_token}` }), rig.gh);
      expect(res.status).toBe(200);
      expect(await rig.gh.authenticate(new Headers({ ...basic, cookie: `${A}=${pair.access_token}` }))).toMatchObject({
        user: { name: 'Jon Doe' },
      });
      // A malformed Bearer credential is still a clear 401, never a silent fallback to the cookie.
      const malformed = await handlePrivate(
        get('/api/private', { authorization: 'Bearer not a token', cookie: `${A}=${pair.access_token}` }),
        rig.gh,
      );
      expect(malformed.status).toBe(401);
    });

    it("answer 503, not 401, when the middleware signed that it could not refresh the session", async () => {
      const { AUTH_STATE_HEADER, AUTH_UNAVAILABLE, signInternal } = await import('../lib/edge/internal-header');
      const signed = await signInternal(rig.keyring.macs.internal, AUTH_STATE_HEADER, AUTH_UNAVAILABLE, rig.clock());
      const res = await handlePrivate(get('/api/private', { [AUTH_STATE_HEADER]: signed }), rig.gh);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
      // A client writing the header itself is just not signed in.
      const forged = await handlePrivate(get('/api/private', { [AUTH_STATE_HEADER]: 'unavailable;1;x' }), rig.gh);
      expect(forged.status).toBe(401);
    });

    it('answer 401 with WWW-Authenticate when missing, invalid or expired', async () => {
      const pair = await loginJson();
      const cases: Record<string, string>[] = [
        {},
        { authorization: 'Bearer garbage' },
        { authorization: 'Basic am9uOnBhc3N3b3Jk' },
        { authorization: `Bearer ${pair.refresh_token}` },
        { cookie: `${A}=${pair.access_token.slice(0, 40)}` },
      ];
      for (const headers of cases) {
        const res = await handlePrivate(get('/api/private', headers), rig.gh);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse", error="invalid_token"');
        expect((await res.json()).error).toBe('invalid_token');
      }
      rig.clock.advance(906 * SEC);
      const expired = await handlePrivate(get('/api/private', { authorization: `Bearer ${pair.access_token}` }), rig.gh);
      expect(expired.status).toBe(401);
    });

    it('admin: 200 for jon, 403 forbidden for ada, 401 for nobody', async () => {
      const jon = await loginJson('jon');
      const ada = await loginJson('ada');
      const ok = await handleAdmin(get('/api/admin', { authorization: `Bearer ${jon.access_token}` }), rig.gh);
      expect(ok.status).toBe(200);
      const no = await handleAdmin(get('/api/admin', { authorization: `Bearer ${ada.access_token}` }), rig.gh);
      expect(no.status).toBe(403);
      expect(await no.json()).toMatchObject({ error: 'forbidden' });
      expect((await handleAdmin(get('/api/admin'), rig.gh)).status).toBe(401);
    });

    it('admin: confirmed against the database, so sign-out and lost rights count at once', async () => {
      const jon = await loginJson('jon');
      const bearer = { authorization: `Bearer ${jon.access_token}` };
      const jonId = (await rig.store.findUserByUsername('jon'))!.id;
      await rig.store.updateUser(jonId, { admin: false }, rig.clock());
      expect((await handleAdmin(get('/api/admin', bearer), rig.gh)).status).toBe(403);
      await rig.store.updateUser(jonId, { admin: true }, rig.clock());
      expect((await handleAdmin(get('/api/admin', bearer), rig.gh)).status).toBe(200);
      await handleLogout(post('/api/auth/logout', {}, bearer), rig.gh);
      const after = await handleAdmin(get('/api/admin', bearer), rig.gh);
      expect(after.status).toBe(401);
      expect(await after.json()).toMatchObject({ error: 'invalid_token' });
      // /api/private does no I/O: the revocation set refuses the token once it has heard (this
      // process wrote the sign-out, so it refreshes at once; test/revocation.test.ts has the rest).
      await rig.gh.revocations.refresh();
      expect((await handlePrivate(get('/api/private', bearer), rig.gh)).status).toBe(401);
    });
  });

  describe('bad input: a 4xx with a stable code, and nothing changes', () => {
    const big = 'x'.repeat(100 * 1024);
    const cases: [string, () => Request, number, string, { victimCookies?: boolean }?][] = [
      ['login: missing fields', () => post('/api/auth/login', { json: {} }), 400, 'invalid_request'],
      ['login: missing password', () => post('/api/auth/login', { json: { username: 'jon' } }), 400, 'invalid_request'],
      ['login: non-string field', () => post('/api/auth/login', { json: { username: ['jon'], password: 'password' } }), 400, 'invalid_request'],
      ['login: JSON array', () => post('/api/auth/login', { raw: '[1,2]', type: 'application/json' }), 400, 'invalid_request'],
      ['login: broken JSON', () => post('/api/auth/login', { raw: '{"username":', type: 'application/json' }), 400, 'invalid_request'],
      ['login: invalid UTF-8', () => post('/api/auth/login', { raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), type: 'application/json' }), 400, 'invalid_request'],
      ['login: wrong content type', () => post('/api/auth/login', { raw: 'username=jon', type: 'text/plain' }), 415, 'unsupported_media_type'],
      ['login: multipart', () => post('/api/auth/login', { raw: '--x', type: 'multipart/form-data; boundary=x' }), 415, 'unsupported_media_type'],
      ['login: 100 KB body', () => post('/api/auth/login', { json: { username: 'jon', password: big } }), 413, 'payload_too_large'],
      ['login: 100 KB, lying Content-Length', () => post('/api/auth/login', { json: { username: 'jon', password: big } }, { 'content-length': '10' }), 413, 'payload_too_large'],
      ['login: huge username', () => post('/api/auth/login', { json: { username: 'j'.repeat(500), password: 'password' } }), 400, 'invalid_request'],
      ['login: NUL in the username', () => post('/api/auth/login', { json: { username: 'jon\u0000', password: 'password' } }), 400, 'invalid_request'],
      ['login: duplicate form field', () => post('/api/auth/login', { raw: 'username=jon&username=ada&password=password', type: 'application/x-www-form-urlencoded' }), 400, 'invalid_request'],
      ['login: foreign Origin', () => post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { origin: 'https://evil.example' }), 403, 'cross_origin_request'],
      ['login: Origin null', () => post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { origin: 'null' }), 403, 'cross_origin_request'],
      ['login: cross-site fetch', () => post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { 'sec-fetch-site': 'cross-site' }), 403, 'cross_origin_request'],
      ['login: same-site subdomain naming our Origin', () => post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { origin: ORIGIN, 'sec-fetch-site': 'same-site' }), 403, 'cross_origin_request'],
      ['token: cross-site fetch naming our Origin', () => post('/api/auth/token', {}, { origin: ORIGIN, 'sec-fetch-site': 'cross-site' }), 403, 'cross_origin_request'],
      ['logout: same-site naming our Origin', () => post('/api/auth/logout', {}, { origin: ORIGIN, 'sec-fetch-site': 'same-site' }), 403, 'cross_origin_request'],
      ['token: nothing', () => post('/api/auth/token'), 400, 'invalid_request', { victimCookies: false }],
      ['token: other grant type', () => post('/api/auth/token', { form: { grant_type: 'password', refresh_token: 'x' } }), 400, 'unsupported_grant_type'],
      ['token: garbage', () => post('/api/auth/token', { form: { refresh_token: 'garbage' } }), 401, 'invalid_grant'],
      ['token: 100 KB token', () => post('/api/auth/token', { form: { refresh_token: big } }), 413, 'payload_too_large'],
      ['token: 5 KB token', () => post('/api/auth/token', { form: { refresh_token: 'Fe26.2*' + 'x'.repeat(5000) } }), 401, 'invalid_grant'],
      ['token: wrong content type', () => post('/api/auth/token', { raw: '<xml/>', type: 'application/xml' }), 415, 'unsupported_media_type'],
      ['logout: foreign Origin', () => post('/api/auth/logout', {}, { origin: 'https://evil.example' }), 403, 'cross_origin_request'],
      ['logout: broken JSON', () => post('/api/auth/logout', { raw: '{', type: 'application/json' }), 400, 'invalid_request'],
    ];

    for (const [name, request, status, code, options] of cases) {
      it(name, async () => {
        const pair = await loginJson();
        const { sid } = await unsealRefreshToken(rig.keyring, pair.refresh_token);
        const eventsBefore = await rig.store.listEvents();
        const handler = new URL(request().url).pathname.endsWith('login')
          ? handleLogin
          : new URL(request().url).pathname.endsWith('token')
            ? handleToken
            : handleLogout;
        // The victim's cookies ride along, as they would on a cross-site post.
        const req = request();
        const withCookies = new Request(req, { headers: new Headers(req.headers) });
        if (options?.victimCookies !== false) {
          withCookies.headers.set('cookie', `${A}=${pair.access_token}; ${R}=${pair.refresh_token}`);
        }
        const res = await handler(withCookies, rig.gh);
        expect(res.status).toBe(status);
        expect((await res.json()).error).toBe(code);
        expect(await rig.store.findSession(sid)).toMatchObject({ gen: 0, revokedAt: null });
        expect(await rig.store.listEvents()).toEqual(eventsBefore);
        if (code !== 'invalid_grant') expect(res.headers.getSetCookie()).toEqual([]);
      });
    }

    it('forged tokens: alg none, another key, wrong typ are refused at /api/private', async () => {
      const jonId = (await rig.store.findUserByUsername('jon'))!.id;
      const now = rig.clock() / SEC;
      const claims = { sid: 's', name: 'Mallory', admin: true };
      const base = <T extends SignJWT | UnsecuredJWT>(jwt: T): T =>
        jwt.setIssuer('gatehouse').setAudience('gatehouse').setSubject(jonId).setJti('j').setIssuedAt(now).setExpirationTime(now + 900) as T;
      const other = await deriveKeyring('q'.repeat(40));
      const forged = [
        base(new UnsecuredJWT(claims)).encode(),
        await base(new SignJWT(claims)).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: rig.keyring.current.kid }).sign(other.current.key),
        await base(new SignJWT(claims)).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: rig.keyring.current.kid }).sign(rig.keyring.current.key),
      ];
      for (const token of forged) {
        const res = await handlePrivate(get('/api/private', { authorization: `Bearer ${token}` }), rig.gh);
        expect(res.status).toBe(401);
      }
    });

    it('an access token offered as a refresh token, and the reverse, are refused and change nothing', async () => {
      const pair = await loginJson();
      const { sid } = await unsealRefreshToken(rig.keyring, pair.refresh_token);
      const asRefresh = await handleToken(post('/api/auth/token', { form: { refresh_token: pair.access_token } }), rig.gh);
      expect(asRefresh.status).toBe(401);
      expect((await asRefresh.json()).error).toBe('invalid_grant');
      const asCookie = await handleToken(post('/api/auth/token', {}, { cookie: `${R}=${pair.access_token}` }), rig.gh);
      expect(asCookie.status).toBe(401);
      const asAccess = await handlePrivate(get('/api/private', { cookie: `${A}=${pair.refresh_token}` }), rig.gh);
      expect(asAccess.status).toBe(401);
      expect((await asAccess.json()).error).toBe('invalid_token');
      expect(await rig.store.findSession(sid)).toMatchObject({ gen: 0, revokedAt: null });
    });

    it('a refresh token sealed for a session that does not exist is refused', async () => {
      const token = await sealRefreshToken(rig.keyring, { sid: 'nope', gen: 0, sub: 'nobody' });
      const res = await handleToken(post('/api/auth/token', { form: { refresh_token: token } }), rig.gh);
      expect(res.status).toBe(401);
    });

    it('fields named like Object.prototype members are ordinary fields', async () => {
      const form = await handleLogin(
        post('/api/auth/login', { raw: 'constructor=1&__proto__=x&username=jon&password=password', type: 'application/x-www-form-urlencoded' }, { accept: 'application/json' }),
        rig.gh,
      );
      expect(form.status).toBe(200);
      const json = await handleLogin(post('/api/auth/login', { raw: '{"__proto__":"x","constructor":"y","username":"jon","password":"password"}', type: 'application/json' }), rig.gh);
      expect(json.status).toBe(200);
    });

    it('with AUTH_PUBLIC_URL the scheme counts: http://host cannot post to the https site', async () => {
      const pub = await makeRig({ AUTH_PUBLIC_URL: 'https://gatehouse.test' });
      try {
        await pub.addUser('jon');
        const creds = { json: { username: 'jon', password: 'password' } };
        const plain = await handleLogin(post('/api/auth/login', creds, { origin: 'http://gatehouse.test', 'sec-fetch-site': 'same-origin' }), pub.gh);
        expect(plain.status).toBe(403);
        expect((await plain.json()).error).toBe('cross_origin_request');
        const port = await handleLogin(post('/api/auth/login', creds, { origin: 'https://gatehouse.test:8443' }), pub.gh);
        expect(port.status).toBe(403);
        const ok = await handleLogin(post('/api/auth/login', creds, { origin: 'https://gatehouse.test', 'sec-fetch-site': 'same-origin' }), pub.gh);
        expect(ok.status).toBe(200);
      } finally {
        await pub.cleanup();
      }
    });

    it('an auth cookie sent twice counts as not signed in (no first-wins / last-wins split)', async () => {
      const jon = await loginJson('jon');
      const ada = await loginJson('ada');
      for (const cookie of [`${A}=${ada.access_token}; ${A}=${jon.access_token}`, `${A}=${jon.access_token}; ${A}=${ada.access_token}`]) {
        const res = await handlePrivate(get('/api/private', { cookie }), rig.gh);
        expect(res.status).toBe(401);
        expect((await res.json()).error).toBe('invalid_token');
      }
      // A duplicated refresh cookie refreshes nothing and changes nothing.
      const { sid } = await unsealRefreshToken(rig.keyring, jon.refresh_token);
      const dup = await handleToken(post('/api/auth/token', {}, { cookie: `${R}=${jon.refresh_token}; ${R}=${jon.refresh_token}` }), rig.gh);
      expect(dup.status).toBe(400);
      expect(await rig.store.findSession(sid)).toMatchObject({ gen: 0, revokedAt: null });
    });

    it('token errors tell clients nothing about keys, claims or signatures', async () => {
      const pair = await loginJson();
      const other = await deriveKeyring('Hq8Zp3Lw7Rt2Vx9Nc4Ks6Jm1Fd5Gb0Ay');
      const [h, p] = pair.access_token.split('.');
      const badSig = `${h}.${p}.${'A'.repeat(43)}`;
      const foreign = await new SignJWT({ sid: 's', name: 'x', admin: true })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: other.current.kid })
        .setIssuer('elsewhere').setAudience('gatehouse').setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m')
        .sign(other.current.key);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      for (const token of [badSig, foreign, 'garbage']) {
        const res = await handlePrivate(get('/api/private', { authorization: `Bearer ${token}` }), rig.gh);
        const body = await res.json();
        expect(body).toEqual({ error: 'invalid_token', error_description: 'the access token is missing, invalid or expired' });
      }
      expect(warn.mock.calls.flat().join(' ')).toMatch(/signature|key id/);
      warn.mockRestore();
    });

    it('a same-origin browser post is accepted, and gets its tokens as cookies only', async () => {
      const res = await handleLogin(
        post('/api/auth/login', { json: { username: 'jon', password: 'password' } }, { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }),
        rig.gh,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ token_type: 'Bearer', expires_in: 900 });
      expect(Object.keys(setCookies(res))).toEqual([A, R, expect.stringMatching(/^gatehouse-device-/)]);
    });
  });
});
