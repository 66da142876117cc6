import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  handleChangePassword,
  handleListSessions,
  handleRevokeAll,
  handleRevokeOthers,
  handleRevokeSession,
} from '../lib/http/handlers/account';
import { handleLogin } from '../lib/http/handlers/login';
import { makeRig, type TestRig } from './helpers';
import { ORIGIN, request, setCookies, type Body } from './requests';

/**
 * The account API's handlers driven with real Web Requests against a temporary SQLite
 * database, as Next.js calls them (app/api/auth/sessions/** and app/api/auth/password only add
 * `await getGatehouse()` and the `[id]` segment).
 */
const A = 'gatehouse-access';
const R = 'gatehouse-refresh';
const NEW_PASSWORD = 'a brand new passphrase';
const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';


const expectCleared = (res: Response) => {
  const cookies = setCookies(res);
  for (const name of [A, R]) {
    expect(cookies[name], name).toBeDefined();
    expect(cookies[name]!.value).toBe('');
    expect(cookies[name]!.attrs).toMatch(/Max-Age=0/);
  }
};

describe('account routes', () => {
  let rig: TestRig;

  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '86400' });
    await rig.addUser('jon', { name: 'Jon Doe' });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  interface Client {
    access: string;
    refresh: string;
    sid: string;
    /** Headers carrying the access token as a bearer credential. */
    bearer: Record<string, string>;
    /** Headers carrying both cookies, as a same-origin browser fetch sends them. */
    browser: Record<string, string>;
    device: string;
  }

  async function signIn(username = 'jon', userAgent = 'curl/8.5.0'): Promise<Client> {
    const res = await handleLogin(
      request(
        'POST',
        '/api/auth/login',
        { 'user-agent': userAgent },
        { json: { username, password: 'password' } },
      ),
      rig.gh,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    const device = Object.entries(setCookies(res)).find(([name]) => name.startsWith('gatehouse-device-'))!;
    const sid = (await rig.gh.authenticate(new Headers({ authorization: `Bearer ${body.access_token}` })))!
      .session.id;
    return {
      access: body.access_token,
      refresh: body.refresh_token,
      sid,
      bearer: { authorization: `Bearer ${body.access_token}` },
      browser: {
        origin: ORIGIN,
        'sec-fetch-site': 'same-origin',
        cookie: `${A}=${body.access_token}; ${R}=${body.refresh_token}; ${device[0]}=${device[1].value}`,
      },
      device: `${device[0]}=${device[1].value}`,
    };
  }

  const list = (headers: Record<string, string>) =>
    handleListSessions(request('GET', '/api/auth/sessions', headers), rig.gh);
  const revoke = (id: string, headers: Record<string, string>) =>
    handleRevokeSession(
      request('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`, headers),
      rig.gh,
      id,
    );
  const revokeOthers = (headers: Record<string, string>) =>
    handleRevokeOthers(request('POST', '/api/auth/sessions/revoke-others', headers), rig.gh);
  const revokeAll = (headers: Record<string, string>) =>
    handleRevokeAll(request('POST', '/api/auth/sessions/revoke-all', headers), rig.gh);
  const changePassword = (headers: Record<string, string>, body: Body) =>
    handleChangePassword(request('POST', '/api/auth/password', headers, body), rig.gh);
  const passwords = (current = 'password', next = NEW_PASSWORD) => ({
    json: { current_password: current, new_password: next },
  });
  const row = (id: string) => rig.store.findSession(id);

  it('every route: 401 invalid_token without a credential, or with a broken one, and nothing changes', async () => {
    const jon = await signIn();
    const events = (await rig.store.listEvents()).length;
    const none: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, { cookie: `${A}=garbage` }];
    for (const headers of none) {
      const answers = [
        await list(headers),
        await revoke(jon.sid, headers),
        await revokeOthers(headers),
        await revokeAll(headers),
        await changePassword(headers, passwords()),
      ];
      for (const res of answers) {
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(await res.json()).toMatchObject({ error: 'invalid_token' });
      }
    }
    expect(await row(jon.sid)).toMatchObject({ revokedAt: null });
    expect(await rig.store.listEvents()).toHaveLength(events);
  });

  describe('GET /api/auth/sessions', () => {
    it('lists the live sessions, this one marked, with bearer and with cookies alike', async () => {
      const first = await signIn('jon', CHROME);
      rig.clock.advance(1000);
      const jon = await signIn();
      await signIn('ada');
      for (const headers of [jon.bearer, { cookie: `${A}=${jon.access}` }]) {
        const res = await list(headers);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('private, no-store');
        const { sessions } = await res.json();
        expect(sessions).toEqual([
          {
            id: jon.sid,
            current: true,
            created_at: new Date(rig.clock()).toISOString(),
            last_active_at: new Date(rig.clock()).toISOString(),
            ip: null,
            user_agent: 'curl/8.5.0',
            device: 'curl/8.5.0',
            amr: ['pwd'],
          },
          {
            id: first.sid,
            current: false,
            created_at: new Date(rig.clock() - 1000).toISOString(),
            last_active_at: new Date(rig.clock() - 1000).toISOString(),
            ip: null,
            user_agent: CHROME,
            device: 'Chrome 131 on macOS',
            amr: ['pwd'],
          },
        ]);
      }
    });
  });

  describe('DELETE /api/auth/sessions/{id}', () => {
    it("ends another of the user's sessions: 204, this one's cookies untouched; that token is refused from then on", async () => {
      const jon = await signIn();
      const other = await signIn();
      const res = await revoke(other.sid, jon.browser);
      expect(res.status).toBe(204);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await row(other.sid)).toMatchObject({ revokedReason: 'user' });
      // Its access token has not expired, yet it can manage nothing any more.
      const refused = await list(other.bearer);
      expect(refused.status).toBe(401);
      expect((await revoke(jon.sid, other.bearer)).status).toBe(401);
      expect(await row(jon.sid)).toMatchObject({ revokedAt: null });
    });

    it("ending the caller's own session clears its cookies", async () => {
      const jon = await signIn();
      const res = await revoke(jon.sid, jon.browser);
      expect(res.status).toBe(204);
      expectCleared(res);
      expect(await row(jon.sid)).toMatchObject({ revokedReason: 'user' });
    });

    it("404 not_found for another user's session, an unknown id, an ended one and garbage; nothing changes", async () => {
      const jon = await signIn();
      const ada = await signIn('ada');
      const ended = await signIn();
      expect((await revoke(ended.sid, jon.bearer)).status).toBe(204);
      const events = (await rig.store.listEvents()).length;
      for (const id of [
        ada.sid,
        ended.sid,
        'AAAAAAAAAAAAAAAAAAAAAA',
        'x'.repeat(10_000),
        '..',
        'a/b',
        'abc\u0000',
        '%00',
        'é',
        ' ',
      ]) {
        const res = await revoke(id, jon.bearer);
        expect(res.status, JSON.stringify(id)).toBe(404);
        expect(await res.json()).toMatchObject({ error: 'not_found' });
        expect(res.headers.getSetCookie()).toEqual([]);
      }
      expect(await row(ada.sid)).toMatchObject({ revokedAt: null });
      expect(await rig.store.listEvents()).toHaveLength(events);
    });
  });

  describe('POST /api/auth/sessions/revoke-others', () => {
    it('200 {"revoked": N}, this session kept', async () => {
      const jon = await signIn();
      const others = [await signIn(), await signIn()];
      const res = await revokeOthers(jon.browser);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ revoked: 2 });
      expect(res.headers.getSetCookie()).toEqual([]);
      for (const o of others) expect(await row(o.sid)).toMatchObject({ revokedReason: 'user' });
      expect(await row(jon.sid)).toMatchObject({ revokedAt: null });
      expect(await (await revokeOthers(jon.bearer)).json()).toEqual({ revoked: 0 });
    });
  });

  describe('POST /api/auth/sessions/revoke-all', () => {
    it('204, every session ended, this one included, and its cookies cleared', async () => {
      const jon = await signIn();
      const other = await signIn();
      const res = await revokeAll(jon.browser);
      expect(res.status).toBe(204);
      expectCleared(res);
      for (const sid of [jon.sid, other.sid]) expect(await row(sid)).toMatchObject({ revokedReason: 'user' });
      expect((await list(jon.bearer)).status).toBe(401);
    });
  });

  describe('POST /api/auth/password', () => {
    it('204 with a new device cookie, other sessions ended, this one kept; JSON and form bodies alike', async () => {
      const jon = await signIn();
      const other = await signIn();
      const res = await changePassword(jon.browser, passwords());
      expect(res.status).toBe(204);
      const cookies = setCookies(res);
      const [name, old] = jon.device.split('=') as [string, string];
      expect(Object.keys(cookies)).toEqual([name]);
      expect(cookies[name]!.value).not.toBe(old);
      expect(cookies[name]!.attrs).toMatch(/HttpOnly; SameSite=Lax/);
      expect(await row(other.sid)).toMatchObject({ revokedReason: 'password_changed' });
      expect(await row(jon.sid)).toMatchObject({ revokedAt: null });
      expect((await list(jon.bearer)).status).toBe(200);

      const form = await changePassword(jon.bearer, {
        form: { current_password: NEW_PASSWORD, new_password: 'yet another passphrase' },
      });
      expect(form.status).toBe(204);
    });

    it('400 weak_password with the reason; nothing changed', async () => {
      const jon = await signIn();
      const other = await signIn();
      const res = await changePassword(jon.bearer, passwords('password', 'short'));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'weak_password',
        error_description: 'passwords need at least 8 characters (spaces at either end do not count)',
      });
      const common = await changePassword(jon.bearer, passwords('password', 'password123'));
      expect(await common.json()).toMatchObject({
        error: 'weak_password',
        error_description: expect.stringMatching(/common/),
      });
      expect(await row(other.sid)).toMatchObject({ revokedAt: null });
    });

    it('401 invalid_credentials for a wrong current password, then 429 with Retry-After, as at sign-in', async () => {
      const jon = await signIn();
      for (let i = 0; i < 5; i++) {
        const res = await changePassword(jon.bearer, passwords('wrong'));
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'invalid_credentials' });
      }
      const res = await changePassword(jon.bearer, passwords('wrong'));
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toMatchObject({ error: 'too_many_attempts', retry_after: 60 });
      expect((await changePassword(jon.bearer, passwords())).status).toBe(429);
    });

    it('bad bodies are 4xx with a stable code, and change nothing', async () => {
      const jon = await signIn();
      const before = (await rig.store.findUserByUsername('jon'))!.passwordHash;
      const cases: [Body, number, string][] = [
        [{ raw: '{"current_password":', type: 'application/json' }, 400, 'invalid_request'],
        [{ raw: '[]', type: 'application/json' }, 400, 'invalid_request'],
        [{ json: { current_password: 'password', new_password: 42 } }, 400, 'invalid_request'],
        [{ json: { new_password: NEW_PASSWORD } }, 400, 'invalid_request'],
        [{ json: { current_password: 'password' } }, 400, 'invalid_request'],
        [
          { json: { current_password: 'x'.repeat(1025), new_password: NEW_PASSWORD } },
          400,
          'invalid_request',
        ],
        [{ raw: 'x'.repeat(9000), type: 'application/json' }, 413, 'payload_too_large'],
        [{ raw: 'current_password=password', type: 'text/plain' }, 415, 'unsupported_media_type'],
        [{}, 400, 'invalid_request'],
      ];
      for (const [body, status, code] of cases) {
        const res = await changePassword(jon.bearer, body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
        expect(await res.json()).toMatchObject({ error: code });
      }
      expect((await rig.store.findUserByUsername('jon'))!.passwordHash).toBe(before);
    });
  });

  it('every write refuses a cross-origin request with 403 before anything happens', async () => {
    const jon = await signIn();
    const other = await signIn();
    const before = (await rig.store.findUserByUsername('jon'))!.passwordHash;
    const foreigns: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: ORIGIN, 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const foreign of foreigns) {
      const headers = { ...jon.browser, ...foreign };
      for (const res of [
        await revoke(other.sid, headers),
        await revokeOthers(headers),
        await revokeAll(headers),
        await changePassword(headers, passwords()),
      ]) {
        expect(res.status, JSON.stringify(foreign)).toBe(403);
        expect(await res.json()).toMatchObject({ error: 'cross_origin_request' });
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    }
    for (const sid of [jon.sid, other.sid]) expect(await row(sid)).toMatchObject({ revokedAt: null });
    expect((await rig.store.findUserByUsername('jon'))!.passwordHash).toBe(before);
  });
});
