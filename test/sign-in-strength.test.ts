import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleLogin } from '../lib/http/handlers/login';
import { handleAdmin } from '../lib/http/handlers/protected';
import { handleToken } from '../lib/http/handlers/token';
import type { User } from '../lib/auth/store';
import { makeRig, META, type TestRig } from './helpers';
import { get, post, setCookies } from './requests';

/**
 * How a token says how it was signed in (`amr`), and what the admin surface asks of it: an
 * admin with a second factor must have used it; one without is let in as before.
 */
describe('sign-in strength', () => {
  let rig: TestRig;
  let jon: User;

  beforeEach(async () => {
    rig = await makeRig({ AUTH_PUBLIC_URL: 'http://gatehouse.test' });
    jon = await rig.addUser('jon', { name: 'Jon Doe', admin: true });
  });
  afterEach(async () => rig.cleanup());

  const login = async () => {
    const res = await handleLogin(
      post('/api/auth/login', { json: { username: 'jon', password: 'password' } }),
      rig.gh,
    );
    return { res, body: (await res.json()) as Record<string, unknown> };
  };
  const admin = (token: string) =>
    handleAdmin(get('/api/admin', { authorization: `Bearer ${token}` }), rig.gh);

  async function enableTotp(user: User) {
    expect(await rig.store.beginTotp(user.id, 'sealed', rig.clock())).toBe(true);
    expect(await rig.store.enableTotp(user.id, 'sealed', 1, ['h1'], rig.clock())).toBe(true);
  }
  async function addPasskey(user: User) {
    const created = await rig.store.createPasskey({
      id: 'cred-1',
      userId: user.id,
      publicKey: 'pk',
      counter: 0,
      transports: ['internal'],
      deviceType: 'singleDevice',
      backedUp: false,
      aaguid: null,
      name: 'laptop',
      createdAt: rig.clock(),
    });
    expect(created).toBe(true);
  }

  it('a password sign-in says ["pwd"], and so does every token its refresh issues', async () => {
    const { res, body } = await login();
    expect(res.status).toBe(200);
    expect(decodeJwt(body.access_token as string).amr).toEqual(['pwd']);
    const refreshed = await handleToken(
      post('/api/auth/token', { json: { grant_type: 'refresh_token', refresh_token: body.refresh_token } }),
      rig.gh,
    );
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(((await refreshed.json()) as { access_token: string }).access_token).amr).toEqual([
      'pwd',
    ]);
    const [event] = await rig.store.listEvents({ type: 'login_ok' });
    expect(event?.detail).toBe('password');
  });

  it('with an authenticator app on, the password alone gets mfa_required and a step token, no session', async () => {
    await enableTotp(jon);
    const { res, body } = await login();
    expect(res.status).toBe(401);
    expect(body).toMatchObject({ error: 'mfa_required' });
    expect(body.mfa_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expires_in).toBe(300);
    expect(body.access_token).toBeUndefined();
    expect(setCookies(res)).toEqual({});
    expect(await rig.store.listSessions(jon.id)).toEqual([]);
    expect(await rig.store.listEvents({ type: 'login_ok' })).toEqual([]);
  });

  it('admin API: an admin without a second factor is let in with a password sign-in', async () => {
    const { body } = await login();
    const res = await admin(body.access_token as string);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { amr: ['pwd'] } });
  });

  it('admin API: an admin with a passkey who signed in with a password alone gets 401 insufficient_user_authentication', async () => {
    const { body } = await login();
    await addPasskey(jon);
    const res = await admin(body.access_token as string);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
    expect(await res.json()).toMatchObject({ error: 'insufficient_user_authentication' });
  });

  it('admin API: the same admin signed in with two factors is let in', async () => {
    await addPasskey(jon);
    await enableTotp(jon);
    const pair = await rig.sessions.startSessionFor(jon, META, {
      amr: ['pwd', 'otp', 'mfa'],
      detail: 'test',
    });
    const res = await admin(pair.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { amr: ['pwd', 'otp', 'mfa'] } });
  });

  it('the admin console itself refuses a password-only session of an admin with a second factor', async () => {
    const password = await rig.sessions.startSessionFor(jon, META);
    const strong = await rig.sessions.startSessionFor(jon, META, {
      amr: ['pwd', 'otp', 'mfa'],
      detail: 'test',
    });
    const actor = async (pair: { accessToken: string }) =>
      (await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` })))!;
    const search = { query: '', page: 1 };
    await expect(rig.gh.admin.searchUsers(await actor(password), search)).resolves.toMatchObject({
      total: 1,
    });
    await enableTotp(jon);
    await expect(rig.gh.admin.searchUsers(await actor(password), search)).rejects.toMatchObject({
      code: 'insufficient_user_authentication',
    });
    await expect(rig.gh.admin.searchUsers(await actor(strong), search)).resolves.toMatchObject({ total: 1 });
  });

  it('a half-enrolled authenticator app is not a second factor yet', async () => {
    expect(await rig.store.beginTotp(jon.id, 'sealed', rig.clock())).toBe(true);
    const { res, body } = await login();
    expect(res.status).toBe(200);
    expect((await admin(body.access_token as string)).status).toBe(200);
  });
});
