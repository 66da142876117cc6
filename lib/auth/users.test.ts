import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { InvalidGrantError, isAuthError } from '../edge/errors';
import { UsernameTakenError } from './store';
import { createUserAdmin, type UserAdmin } from './users';
import type { AuthError } from '../edge/errors';

describe('user administration', () => {
  let rig: TestRig;
  let admin: UserAdmin;
  beforeEach(async () => {
    rig = await makeRig();
    admin = createUserAdmin(rig);
  });
  afterEach(() => rig.cleanup());

  const add = (username = 'alice', password = 'correct horse') =>
    admin.add({ username, displayName: 'Alice Liddell', password, admin: false });

  it('adds users that can sign in, with case-insensitive unique names', async () => {
    const user = await add();
    expect(user).toMatchObject({ username: 'alice', displayName: 'Alice Liddell', admin: false, status: 'active' });
    await expect(rig.gh.sessions.login('ALICE', 'correct horse', META)).resolves.toBeTruthy();
    await expect(add('Alice')).rejects.toBeInstanceOf(UsernameTakenError);
    expect((await rig.store.listEvents({ userId: user.id })).map((e) => e.type)).toContain('user_created');
  });

  it('refuses bad usernames, names and passwords', async () => {
    for (const [username, name, password, code] of [
      ['', 'A', 'correct horse', 'invalid_username'],
      ['a b', 'A', 'correct horse', 'invalid_username'],
      ['x'.repeat(65), 'A', 'correct horse', 'invalid_username'],
      ['bob', ' ', 'correct horse', 'invalid_name'],
      ['bob', 'Bob\u0007', 'correct horse', 'invalid_name'],
      ['bob', 'Bob', 'short', 'weak_password'],
      ['bob', 'Bob', 'password', 'weak_password'],
      ['bob', 'Bob', ' '.repeat(8), 'weak_password'],
      ['bobby-tables', 'Bob', 'BOBBY-TABLES', 'weak_password'],
    ] as const) {
      const error = await admin.add({ username, displayName: name, password, admin: false }).catch((e: unknown) => e);
      expect(isAuthError(error), `${username} ${password}`).toBe(true);
      expect((error as AuthError).code).toBe(code);
    }
    expect(await admin.list()).toEqual([]);
  });

  it('ban revokes every session at once; the next refresh fails; unban allows sign-in again', async () => {
    await add();
    const a = await rig.gh.sessions.login('alice', 'correct horse', META);
    const b = await rig.gh.sessions.login('alice', 'correct horse', META);
    expect(await admin.ban('alice')).toBe(2);
    for (const pair of [a, b]) {
      await expect(rig.gh.sessions.refresh(pair.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
    }
    await expect(rig.gh.sessions.login('alice', 'correct horse', META)).rejects.toMatchObject({ code: 'invalid_credentials' });
    await admin.unban('alice');
    await expect(rig.gh.sessions.login('alice', 'correct horse', META)).resolves.toBeTruthy();
  });

  it('delete revokes sessions and frees the name', async () => {
    await add();
    const pair = await rig.gh.sessions.login('alice', 'correct horse', META);
    expect(await admin.remove('alice')).toBe(1);
    await expect(rig.gh.sessions.refresh(pair.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(rig.gh.sessions.login('alice', 'correct horse', META)).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(add()).resolves.toBeTruthy();
  });

  it('admin rights reach the token at the next refresh', async () => {
    await add();
    const pair = await rig.gh.sessions.login('alice', 'correct horse', META);
    await admin.setAdmin('alice', true);
    const next = await rig.gh.sessions.refresh(pair.refreshToken, META);
    expect((await rig.sessions.verifyAccess(next.accessToken)).admin).toBe(true);
    // The last active admin stays one: someone must be left to administer.
    await expect(admin.setAdmin('alice', false)).rejects.toMatchObject({ code: 'last_admin' });
    await add('bob');
    await admin.setAdmin('bob', true);
    await admin.setAdmin('alice', false);
    expect((await admin.list()).map((u) => [u.username, u.admin])).toEqual([
      ['alice', false],
      ['bob', true],
    ]);
  });

  it('a new password signs the user out everywhere', async () => {
    await add();
    const pair = await rig.gh.sessions.login('alice', 'correct horse', META);
    expect(await admin.setPassword('alice', 'battery staple')).toBe(1);
    await expect(rig.gh.sessions.refresh(pair.refreshToken, META)).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(rig.gh.sessions.login('alice', 'battery staple', META)).resolves.toBeTruthy();
  });

  it('names unknown users clearly', async () => {
    for (const action of [() => admin.ban('ghost'), () => admin.remove('ghost'), () => admin.setAdmin('ghost', true)]) {
      await expect(action()).rejects.toMatchObject({ code: 'unknown_user' });
    }
  });
});
