import { decodeJwt } from 'jose';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleLogin } from '../lib/http/handlers/login';
import {
  handleListPasskeys,
  handlePasskeyLogin,
  handlePasskeyLoginOptions,
  handlePasskeyRegister,
  handlePasskeyRegistrationOptions,
  handleRemovePasskey,
  handleRenamePasskey,
} from '../lib/http/handlers/passkeys';
import { makeRig, type TestRig } from './helpers';
import { request, setCookies, type Body } from './requests';
import { SoftAuthenticator } from './support/soft-authenticator';

/**
 * The passkey API's handlers driven with real Web Requests, as Next.js calls them
 * (app/api/auth/passkeys/** only add `await getGatehouse()` and the `[id]` segment): the
 * answers, the cookies, and every bad input a 4xx with a stable code — never a 500.
 */
const SITE = 'https://gatehouse.test';
const A = 'gatehouse-access';
const R = 'gatehouse-refresh';
const BROWSER = { origin: SITE, 'sec-fetch-site': 'same-origin' };

describe('passkey routes', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({ AUTH_PUBLIC_URL: SITE, AUTH_ACCESS_TTL: '900', AUTH_REFRESH_TTL: '86400' });
    await rig.addUser('jon', { name: 'Jon Doe' });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  /** A browser signed in with a password: its cookies, as a same-origin fetch sends them. */
  async function signIn(username = 'jon') {
    const res = await handleLogin(
      request('POST', '/api/auth/login', {}, { json: { username, password: 'password' } }),
      rig.gh,
    );
    expect(res.status).toBe(200);
    const { access_token: access, refresh_token: refresh } = (await res.json()) as {
      access_token: string;
      refresh_token: string;
    };
    return {
      access,
      headers: { ...BROWSER, cookie: `${A}=${access}; ${R}=${refresh}` },
      bearer: { authorization: `Bearer ${access}` },
    };
  }

  const call = (
    handler: (request: Request, gh: TestRig['gh']) => Promise<Response>,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Body = {},
  ) => handler(request(method, path, headers, body), rig.gh);

  const registrationOptions = (headers: Record<string, string>, body: Body = {}) =>
    call(handlePasskeyRegistrationOptions, 'POST', '/api/auth/passkeys/register/options', headers, body);
  const register = (headers: Record<string, string>, body: Body) =>
    call(handlePasskeyRegister, 'POST', '/api/auth/passkeys/register', headers, body);
  const loginOptions = (headers: Record<string, string> = BROWSER) =>
    call(handlePasskeyLoginOptions, 'POST', '/api/auth/passkeys/login/options', headers);
  const login = (headers: Record<string, string>, body: Body) =>
    call(handlePasskeyLogin, 'POST', '/api/auth/passkeys/login', headers, body);
  const list = (headers: Record<string, string>) =>
    call(handleListPasskeys, 'GET', '/api/auth/passkeys', headers);
  const rename = (id: string, headers: Record<string, string>, body: Body) =>
    handleRenamePasskey(request('PATCH', `/api/auth/passkeys/${id}`, headers, body), rig.gh, id);
  const remove = (id: string, headers: Record<string, string>, body: Body = {}) =>
    handleRemovePasskey(request('DELETE', `/api/auth/passkeys/${id}`, headers, body), rig.gh, id);

  /** Adds a passkey through the API; returns its authenticator and its id. */
  async function addPasskey(headers: Record<string, string>, name = 'Laptop') {
    const soft = new SoftAuthenticator({ origin: SITE });
    const options = (await (
      await registrationOptions(headers)
    ).json()) as PublicKeyCredentialCreationOptionsJSON;
    const res = await register(headers, { json: { response: soft.register(options), name } });
    expect(res.status).toBe(201);
    const { passkey } = (await res.json()) as { passkey: { id: string } };
    return { soft, id: passkey.id };
  }

  async function answer(soft: SoftAuthenticator) {
    const options = (await (await loginOptions()).json()) as PublicKeyCredentialRequestOptionsJSON;
    return soft.authenticate(options);
  }

  it('adds a passkey, lists it, and signs in with it: cookies only for a browser', async () => {
    const jon = await signIn();
    const optionsRes = await registrationOptions(jon.headers);
    expect(optionsRes.status).toBe(200);
    expect(optionsRes.headers.get('cache-control')).toBe('private, no-store');
    const options = (await optionsRes.json()) as PublicKeyCredentialCreationOptionsJSON;
    expect(options).toMatchObject({ rp: { id: 'gatehouse.test' }, user: { name: 'jon' } });

    const soft = new SoftAuthenticator({ origin: SITE });
    const added = await register(jon.headers, { json: { response: soft.register(options), name: 'Laptop' } });
    expect(added.status).toBe(201);
    const { passkey } = await added.json();
    expect(passkey).toEqual({
      id: soft.last.id.toString('base64url'),
      name: 'Laptop',
      created_at: new Date(rig.clock()).toISOString(),
      last_used_at: null,
      synced: false,
      backed_up: false,
    });
    expect(await (await list(jon.bearer)).json()).toEqual({ passkeys: [passkey] });

    const res = await login(BROWSER, { json: { response: await answer(soft) } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 900 });
    const cookies = setCookies(res);
    expect(decodeJwt(cookies[A]!.value)).toMatchObject({ name: 'Jon Doe', amr: ['hwk', 'user', 'mfa'] });

    // The same cookies, attribute for attribute, as a password sign-in sets.
    const password = setCookies(
      await handleLogin(
        request('POST', '/api/auth/login', BROWSER, { json: { username: 'jon', password: 'password' } }),
        rig.gh,
      ),
    );
    for (const name of [A, R]) expect(cookies[name]!.attrs, name).toBe(password[name]!.attrs);
  });

  it('gives an API client the token pair in the body, as POST /api/auth/login does', async () => {
    const jon = await signIn();
    const { soft } = await addPasskey(jon.headers);
    const res = await login({}, { json: { response: await answer(soft) } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(decodeJwt(body.access_token).amr).toEqual(['hwk', 'user', 'mfa']);
    expect(typeof body.refresh_token).toBe('string');
  });

  it('signing in over a session ends that session', async () => {
    const jon = await signIn();
    const { soft } = await addPasskey(jon.headers);
    const old = decodeJwt(jon.access).sid as string;
    const res = await login(jon.headers, { json: { response: await answer(soft) } });
    expect(res.status).toBe(200);
    expect(await rig.store.findSession(old)).toMatchObject({ revokedReason: 'logout' });
  });

  it('renames and removes; another user’s passkey is 404 either way', async () => {
    const jon = await signIn();
    const ada = await signIn('ada');
    const { id } = await addPasskey(jon.headers);
    expect((await rename(id, ada.headers, { json: { name: 'Mine' } })).status).toBe(404);
    expect((await remove(id, ada.headers)).status).toBe(404);

    const renamed = await rename(id, jon.headers, { json: { name: 'Work laptop' } });
    expect(renamed.status).toBe(200);
    expect((await renamed.json()).passkey).toMatchObject({ id, name: 'Work laptop' });
    expect((await rename(id, jon.headers, { form: { name: '' } })).status).toBe(400);

    const removed = await remove(id, jon.headers);
    expect(removed.status).toBe(204);
    expect(await (await list(jon.headers)).json()).toEqual({ passkeys: [] });
    expect((await remove(id, jon.headers)).status).toBe(404);
  });

  it('asks for the password again once the sign-in is older than five minutes', async () => {
    const jon = await signIn();
    const { id } = await addPasskey(jon.headers);
    rig.clock.advance(6 * 60_000);
    for (const res of [await registrationOptions(jon.headers), await remove(id, jon.headers)]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'reauthentication_required' });
    }
    const wrong = await registrationOptions(jon.headers, { json: { password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_credentials' });
    expect((await registrationOptions(jon.headers, { json: { password: 'password' } })).status).toBe(200);
    expect((await remove(id, jon.headers, { json: { password: 'password' } })).status).toBe(204);
  });

  it('refuses a replayed sign-in with invalid_challenge, and a removed passkey with invalid_passkey', async () => {
    const jon = await signIn();
    const { soft, id } = await addPasskey(jon.headers);
    const response = await answer(soft);
    expect((await login(BROWSER, { json: { response } })).status).toBe(200);
    const replay = await login(BROWSER, { json: { response } });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_challenge' });

    expect((await remove(id, jon.headers)).status).toBe(204);
    const removed = await login(BROWSER, { json: { response: await answer(soft) } });
    expect(removed.status).toBe(401);
    expect(await removed.json()).toEqual({
      error: 'invalid_passkey',
      error_description: 'this passkey is not registered (any more)',
    });
    expect(removed.headers.getSetCookie()).toEqual([]);
  });

  it('every bad input is a 4xx with a stable code, never a 500, and signs nobody in', async () => {
    const jon = await signIn();
    const { soft } = await addPasskey(jon.headers);
    const good = await answer(soft);
    const huge = 'A'.repeat(40 * 1024);
    const cases: [string, () => Promise<Response>, number, string][] = [
      [
        'oversized (declared)',
        () => login({ 'content-length': '999999' }, { json: { response: good } }),
        413,
        'payload_too_large',
      ],
      [
        'oversized (streamed)',
        () => login({}, { raw: JSON.stringify({ response: huge }), type: 'application/json' }),
        413,
        'payload_too_large',
      ],
      ['form body', () => login({}, { form: { response: 'x' } }), 415, 'unsupported_media_type'],
      ['not JSON', () => login({}, { raw: '{', type: 'application/json' }), 400, 'invalid_request'],
      ['an array', () => login({}, { json: [good] }), 400, 'invalid_request'],
      ['no response', () => login({}, { json: {} }), 400, 'invalid_request'],
      ['response a string', () => login({}, { json: { response: 'abc' } }), 400, 'invalid_request'],
      ['response a number', () => login({}, { json: { response: 7 } }), 400, 'invalid_request'],
      [
        'wrong types inside',
        () =>
          login({}, { json: { response: { ...good, response: { ...good.response, signature: [1, 2] } } } }),
        400,
        'invalid_request',
      ],
      [
        'garbage clientDataJSON',
        () =>
          login(
            {},
            { json: { response: { ...good, response: { ...good.response, clientDataJSON: 'AAAA' } } } },
          ),
        400,
        'invalid_request',
      ],
      [
        'unknown challenge',
        () =>
          login(
            {},
            {
              json: {
                response: {
                  ...good,
                  response: {
                    ...good.response,
                    clientDataJSON: Buffer.from('{"challenge":"nope"}').toString('base64url'),
                  },
                },
              },
            },
          ),
        400,
        'invalid_challenge',
      ],
      [
        '__proto__ games',
        () => login({}, { raw: '{"__proto__":{"response":1}}', type: 'application/json' }),
        400,
        'invalid_request',
      ],
      [
        'cross-origin login',
        () =>
          login(
            { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
            { json: { response: good } },
          ),
        403,
        'cross_origin_request',
      ],
      [
        'cross-origin options',
        () => loginOptions({ origin: 'https://evil.example' }),
        403,
        'cross_origin_request',
      ],
      [
        'register without a session',
        () => register(BROWSER, { json: { response: good } }),
        401,
        'invalid_token',
      ],
      ['options without a session', () => registrationOptions(BROWSER), 401, 'invalid_token'],
      ['list without a session', () => list({}), 401, 'invalid_token'],
      [
        'register: an authentication response',
        () => register(jon.headers, { json: { response: good } }),
        400,
        'invalid_request',
      ],
      [
        'register: name not a string',
        () => register(jon.headers, { json: { response: good, name: { a: 1 } } }),
        400,
        'invalid_request',
      ],
      [
        'options: password not a string',
        () => registrationOptions(jon.headers, { json: { password: 5 } }),
        400,
        'invalid_request',
      ],
      ['rename: no name', () => rename('x', jon.headers, { json: {} }), 400, 'invalid_request'],
      ['rename: a NUL id', () => rename('a\u0000', jon.headers, { json: { name: 'x' } }), 404, 'not_found'],
      ['remove: a huge id', () => remove(huge, jon.headers), 404, 'not_found'],
    ];
    for (const [what, run, status, code] of cases) {
      const res = await run();
      expect(res.status, what).toBe(status);
      expect((await res.json()).error, what).toBe(code);
      expect(res.headers.getSetCookie(), what).toEqual([]);
    }
    // The good answer was never spent by any of them.
    expect((await login({}, { json: { response: good } })).status).toBe(200);
  });

  it('404 passkeys_not_configured without AUTH_PUBLIC_URL, before anything is stored', async () => {
    const off = await makeRig({ AUTH_ACCESS_TTL: '900' });
    try {
      const res = await handlePasskeyLoginOptions(
        request('POST', '/api/auth/passkeys/login/options'),
        off.gh,
      );
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: 'passkeys_not_configured',
        error_description: 'passkeys need AUTH_PUBLIC_URL to be set',
      });
    } finally {
      await off.cleanup();
    }
  });
});
