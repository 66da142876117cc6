import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, totpCode } from '../lib/auth/totp';
import { handleLogin } from '../lib/http/handlers/login';
import { handleMfa } from '../lib/http/handlers/mfa';
import {
  handleRecoveryCodes,
  handleTotpBegin,
  handleTotpConfirm,
  handleTotpDisable,
  handleTotpStatus,
} from '../lib/http/handlers/totp';
import { makeRig, type TestRig } from './helpers';
import { ORIGIN, post, request, setCookies, type Body } from './requests';

/**
 * The authenticator-app routes and the second sign-in step, driven with real Web Requests
 * against a temporary SQLite database, as Next.js calls them (app/api/auth/mfa and
 * app/api/auth/totp/** only add `await getGatehouse()`).
 */
const A = 'gatehouse-access';
const R = 'gatehouse-refresh';
const M = 'gatehouse-mfa';
const SAME_ORIGIN = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
const BROWSER_FORM = { ...SAME_ORIGIN, 'sec-fetch-dest': 'document', accept: 'text/html,*/*;q=0.8' };
const STEP = 30_000;

describe('two-factor routes', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({ AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '86400' });
    await rig.addUser('jon', { name: 'Jon Doe' });
  });
  afterEach(() => rig.cleanup());

  const status = (headers: Record<string, string>) =>
    handleTotpStatus(request('GET', '/api/auth/totp', headers), rig.gh);
  const begin = (headers: Record<string, string>, body: Body = {}) =>
    handleTotpBegin(request('POST', '/api/auth/totp', headers, body), rig.gh);
  const confirm = (headers: Record<string, string>, body: Body) =>
    handleTotpConfirm(request('POST', '/api/auth/totp/confirm', headers, body), rig.gh);
  const renew = (headers: Record<string, string>, body: Body) =>
    handleRecoveryCodes(request('POST', '/api/auth/totp/recovery-codes', headers, body), rig.gh);
  const disable = (headers: Record<string, string>, body: Body) =>
    handleTotpDisable(request('DELETE', '/api/auth/totp', headers, body), rig.gh);
  const mfa = (body: Body, headers: Record<string, string> = {}) =>
    handleMfa(post('/api/auth/mfa', body, headers), rig.gh);
  const login = (body: Body, headers: Record<string, string> = {}) =>
    handleLogin(post('/api/auth/login', body, headers), rig.gh);
  const creds = { json: { username: 'jon', password: 'password' } };

  /** Signs in with the password alone (before the app is on); bearer and browser headers. */
  async function signIn() {
    const res = await login(creds);
    expect(res.status).toBe(200);
    const { access_token: access, refresh_token: refresh } = await res.json();
    return {
      bearer: { authorization: `Bearer ${access}` },
      browser: { ...SAME_ORIGIN, cookie: `${A}=${access}; ${R}=${refresh}` },
    };
  }

  /** Jon with the app on, via the routes; his secret, codes, and a code of the next step. */
  async function enrolled() {
    const jon = await signIn();
    const started = await begin(jon.bearer);
    expect(started.status).toBe(200);
    const { secret } = await started.json();
    const key = base32Decode(secret)!;
    const done = await confirm(jon.bearer, { json: { code: totpCode(key, rig.clock()) } });
    expect(done.status).toBe(200);
    const { recovery_codes: codes } = (await done.json()) as { recovery_codes: string[] };
    rig.clock.advance(STEP);
    return { ...jon, key, codes, code: () => totpCode(key, rig.clock()) };
  }

  async function stepToken(): Promise<string> {
    const res = await login(creds);
    expect(res.status).toBe(401);
    return (await res.json()).mfa_token;
  }

  it('every TOTP route: 401 invalid_token without a credential, and nothing changes', async () => {
    const none: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, { cookie: `${A}=garbage` }];
    for (const headers of none) {
      for (const res of [
        await status(headers),
        await begin(headers),
        await confirm(headers, { json: { code: '123456' } }),
        await renew(headers, { json: { code: '123456' } }),
        await disable(headers, { json: { code: '123456' } }),
      ]) {
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'invalid_token' });
      }
    }
    expect(await rig.store.findTotp((await rig.store.findUserByUsername('jon'))!.id)).toBeNull();
  });

  it('turns on with a secret and a confirming code, by bearer or by cookie; shows the status', async () => {
    const jon = await signIn();
    expect(await (await status(jon.bearer)).json()).toEqual({
      enabled: false,
      enabled_at: null,
      recovery_codes_left: 0,
      password_required: false,
    });
    const started = await begin(jon.browser, { json: {} });
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('private, no-store');
    const body = await started.json();
    expect(body).toEqual({
      secret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauth_uri: `otpauth://totp/Gatehouse:jon?secret=${body.secret}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30`,
      expires_in: 600,
    });
    const wrong = await confirm(jon.browser, { form: { code: '000000' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_code' });
    const right = await confirm(jon.browser, {
      form: { code: totpCode(base32Decode(body.secret)!, rig.clock()) },
    });
    expect(right.status).toBe(200);
    const { recovery_codes } = await right.json();
    expect(recovery_codes).toHaveLength(10);
    expect(await (await status(jon.bearer)).json()).toEqual({
      enabled: true,
      enabled_at: new Date(rig.clock()).toISOString(),
      recovery_codes_left: 10,
      password_required: false,
    });
    // On already: 409, both for starting again and for confirming.
    expect((await begin(jon.bearer)).status).toBe(409);
    const again = await confirm(jon.bearer, { json: { code: '123456' } });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'conflict' });
  });

  it('401 reauthentication_required from an older sign-in without the password; the password works', async () => {
    const jon = await signIn();
    rig.clock.advance(10 * 60_000);
    expect(await (await status(jon.bearer)).json()).toMatchObject({ password_required: true });
    const refused = await begin(jon.bearer);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'reauthentication_required' });
    const wrong = await begin(jon.bearer, { json: { password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_credentials' });
    expect((await begin(jon.bearer, { json: { password: 'password' } })).status).toBe(200);
  });

  it('confirm without a pending secret: 409 enrolment_expired', async () => {
    const jon = await signIn();
    const res = await confirm(jon.bearer, { json: { code: '123456' } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'enrolment_expired' });
  });

  it('new recovery codes and turning off need a code (or a recovery code), never the password', async () => {
    const jon = await enrolled();
    const wrong = await renew(jon.bearer, { json: { code: '000000' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_code' });
    const renewed = await renew(jon.bearer, { json: { code: jon.code() } });
    expect(renewed.status).toBe(200);
    const { recovery_codes: fresh } = await renewed.json();
    expect(fresh).toHaveLength(10);

    const byPassword = await disable(jon.bearer, { json: { code: 'password' } });
    expect(byPassword.status).toBe(401);
    expect(await byPassword.json()).toMatchObject({ error: 'invalid_code' });
    expect((await disable(jon.bearer, { json: { code: jon.codes[0] } })).status).toBe(401);
    const off = await disable(jon.browser, { json: { code: fresh[0] } });
    expect(off.status).toBe(204);
    expect(await (await status(jon.bearer)).json()).toMatchObject({ enabled: false });
    expect((await disable(jon.bearer, { json: { code: fresh[1] } })).status).toBe(409);
  });

  it('TOTP writes: bad bodies are 4xx with a stable code; cross-origin is 403; nothing changes', async () => {
    const jon = await enrolled();
    const cases: [Body, number, string][] = [
      [{ raw: '{"code":', type: 'application/json' }, 400, 'invalid_request'],
      [{ json: { code: 123456 } }, 400, 'invalid_request'],
      [{ json: { code: ['123456'] } }, 400, 'invalid_request'],
      [{ json: {} }, 400, 'invalid_request'],
      [{}, 400, 'invalid_request'],
      [{ json: { code: 'x'.repeat(65) } }, 400, 'invalid_request'],
      [{ raw: 'x'.repeat(9000), type: 'application/json' }, 413, 'payload_too_large'],
      [{ raw: 'code=123456', type: 'text/plain' }, 415, 'unsupported_media_type'],
    ];
    for (const route of [renew, disable, confirm]) {
      for (const [body, code, error] of cases) {
        const res = await route(jon.bearer, body);
        expect(res.status, `${route.name} ${JSON.stringify(body).slice(0, 60)}`).toBe(code);
        expect(await res.json()).toMatchObject({ error });
      }
    }
    for (const res of [
      await begin({ ...jon.browser, origin: 'https://evil.example' }, { json: { password: 'password' } }),
      await disable({ ...jon.browser, 'sec-fetch-site': 'cross-site' }, { json: { code: jon.code() } }),
      await renew({ ...jon.browser, origin: 'null' }, { json: { code: jon.code() } }),
      await confirm({ ...jon.browser, 'sec-fetch-site': 'same-site' }, { json: { code: jon.code() } }),
    ]) {
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross_origin_request' });
    }
    expect(await (await status(jon.bearer)).json()).toMatchObject({ enabled: true, recovery_codes_left: 10 });
    expect(await rig.store.listEvents({ type: 'mfa_failed' })).toEqual([]);
  });

  describe('sign-in with the app on', () => {
    it('POST /api/auth/login: 401 mfa_required with a step token, and no cookies', async () => {
      await enrolled();
      const res = await login(creds);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: 'mfa_required',
        error_description: 'a second factor is required',
        mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expires_in: expect.any(Number),
      });
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it('POST /api/auth/mfa: the token pair, as login answers it, with amr pwd+otp+mfa and a device cookie', async () => {
      const jon = await enrolled();
      const res = await mfa({ json: { mfa_token: await stepToken(), code: jon.code() } });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
      });
      expect(decodeJwt(body.access_token).amr).toEqual(['pwd', 'otp', 'mfa']);
      const cookies = setCookies(res);
      expect(cookies[A]!.value).toBe(body.access_token);
      expect(cookies[R]!.value).toBe(body.refresh_token);
      expect(Object.keys(cookies).some((n) => n.startsWith('gatehouse-device-'))).toBe(true);
      expect(cookies[M]).toBeUndefined();
    });

    it('a browser fetch gets cookies only, no tokens in the body', async () => {
      const jon = await enrolled();
      const res = await mfa({ json: { mfa_token: await stepToken(), code: jon.code() } }, SAME_ORIGIN);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ token_type: 'Bearer', expires_in: 900 });
      expect(setCookies(res)[A]).toBeDefined();
    });

    it('a browser form: login sets the step cookie and goes to /login/verify; the code there signs in', async () => {
      const jon = await enrolled();
      const first = await login(
        { form: { username: 'jon', password: 'password', next: '/account' } },
        BROWSER_FORM,
      );
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/login/verify?next=%2Faccount');
      const step = setCookies(first)[M]!;
      expect(step.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(step.attrs).toMatch(/Max-Age=300; Path=\/; HttpOnly; SameSite=Lax/);
      expect(setCookies(first)[A]).toBeUndefined();

      const withCookie = { ...BROWSER_FORM, cookie: `${M}=${step.value}` };
      const wrong = await mfa({ form: { code: '000000', next: '/account' } }, withCookie);
      expect(wrong.status).toBe(303);
      expect(wrong.headers.get('location')).toBe('/login/verify?error=invalid_code&next=%2Faccount');
      expect(wrong.headers.getSetCookie()).toEqual([]);

      const right = await mfa({ form: { code: jon.code(), next: '/account' } }, withCookie);
      expect(right.status).toBe(303);
      expect(right.headers.get('location')).toBe('/account');
      const cookies = setCookies(right);
      expect(cookies[A]!.value).not.toBe('');
      expect(cookies[M]).toMatchObject({ value: '' });
      expect(cookies[M]!.attrs).toMatch(/Max-Age=0/);

      // Used up: the same cookie again goes back to sign in, and loses the cookie.
      const over = await mfa({ form: { code: jon.code(), next: '//evil.example' } }, withCookie);
      expect(over.status).toBe(303);
      expect(over.headers.get('location')).toBe('/login?error=invalid_mfa_token');
      expect(setCookies(over)[M]).toMatchObject({ value: '' });
    });

    it('a code works once: the same code at a second step is 401 invalid_code; so is the enrolment code', async () => {
      const jon = await signIn();
      const { secret } = await (await begin(jon.bearer)).json();
      const key = base32Decode(secret)!;
      const enrolmentCode = totpCode(key, rig.clock());
      await confirm(jon.bearer, { json: { code: enrolmentCode } });
      const reused = await mfa({ json: { mfa_token: await stepToken(), code: enrolmentCode } });
      expect(reused.status).toBe(401);
      expect(await reused.json()).toMatchObject({ error: 'invalid_code' });
      rig.clock.advance(STEP);
      const code = totpCode(key, rig.clock());
      expect((await mfa({ json: { mfa_token: await stepToken(), code } })).status).toBe(200);
      expect((await mfa({ json: { mfa_token: await stepToken(), code } })).status).toBe(401);
    });

    it('bad input is 4xx with a stable code and counts nothing; wrong codes end in 429', async () => {
      const jon = await enrolled();
      const token = await stepToken();
      const cases: [Body, Record<string, string>, number, string][] = [
        [{ json: { code: jon.code() } }, {}, 400, 'invalid_request'],
        [{ json: { mfa_token: token } }, {}, 400, 'invalid_request'],
        [{ json: { mfa_token: token, code: 123456 } }, {}, 400, 'invalid_request'],
        [{ json: { mfa_token: token, code: 'x'.repeat(65) } }, {}, 400, 'invalid_request'],
        [{ json: { mfa_token: 'garbage', code: jon.code() } }, {}, 401, 'invalid_mfa_token'],
        [{ json: { mfa_token: 'A'.repeat(43), code: jon.code() } }, {}, 401, 'invalid_mfa_token'],
        [{ raw: '{"mfa_token":', type: 'application/json' }, {}, 400, 'invalid_request'],
        [{ raw: 'x'.repeat(9000), type: 'application/json' }, {}, 413, 'payload_too_large'],
        [{ raw: 'code=1', type: 'text/plain' }, {}, 415, 'unsupported_media_type'],
        [
          { json: { mfa_token: token, code: jon.code() } },
          { origin: 'https://evil.example' },
          403,
          'cross_origin_request',
        ],
        [
          { json: { mfa_token: token, code: jon.code() } },
          { 'sec-fetch-site': 'cross-site' },
          403,
          'cross_origin_request',
        ],
      ];
      for (const [body, headers, code, error] of cases) {
        const res = await mfa(body, headers);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(code);
        expect(await res.json()).toMatchObject({ error });
      }
      expect(await rig.store.listEvents({ type: 'mfa_failed' })).toEqual([]);

      // Five wrong codes use up the step, and the (account, address) pair's five failures.
      const second = await stepToken();
      for (let i = 0; i < 5; i++)
        expect((await mfa({ json: { mfa_token: token, code: '000000' } })).status).toBe(401);
      const spent = await mfa({ json: { mfa_token: token, code: jon.code() } });
      expect(await spent.json()).toMatchObject({ error: 'invalid_mfa_token' });
      const blocked = await mfa({ json: { mfa_token: second, code: jon.code() } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ error: 'too_many_attempts' });
      // Wrong codes count like wrong passwords: the password step is blocked too.
      expect((await login(creds)).status).toBe(429);
    });

    it('a recovery code works once, in any case and spacing', async () => {
      const jon = await enrolled();
      const typed = jon.codes[0]!.toUpperCase().replace(/-/g, ' ');
      expect((await mfa({ json: { mfa_token: await stepToken(), code: typed } })).status).toBe(200);
      const again = await mfa({ json: { mfa_token: await stepToken(), code: jon.codes[0] } });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({ error: 'invalid_code' });
    });
  });
});
