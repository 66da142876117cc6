import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { MfaRequiredError } from '../edge/errors';
import { USERS_COMMAND } from './admin';
import type { SignedIn } from './gatehouse';
import { USERS_COMMAND_AGENT, type User } from './store';
import { base32Decode, totpCode } from './totp';

/** What admins (and the users command) do about a user's second factor, through the whole Gatehouse. */
describe('the admin console and second factors', () => {
  let rig: TestRig;
  let root: User;
  let ada: User;

  beforeEach(async () => {
    rig = await makeRig();
    root = await rig.addUser('root', { admin: true });
    ada = await rig.addUser('ada');
  });
  afterEach(() => rig.cleanup());

  async function signIn(username: string): Promise<SignedIn> {
    const pair = await rig.gh.sessions.login(username, 'password', META);
    return (await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` })))!;
  }

  /** Ada turns on an authenticator app and has a passkey. */
  async function adaWithFactors() {
    const who = await signIn('ada');
    const { secret } = await rig.gh.twoFactor.begin(who, undefined, META, () => undefined);
    await rig.gh.twoFactor.confirm(who, totpCode(base32Decode(secret)!, rig.clock()), META);
    await rig.store.createPasskey({
      id: 'cred-1',
      userId: ada.id,
      publicKey: 'pk',
      counter: 0,
      transports: ['internal'],
      deviceType: 'singleDevice',
      backedUp: false,
      aaguid: null,
      name: 'Laptop',
      createdAt: rig.clock(),
    });
    await expect(rig.gh.sessions.login('ada', 'password', META)).rejects.toBeInstanceOf(MfaRequiredError);
  }

  it("shows the user's second factors, and clears the authenticator app (passkeys stay), audited with the admin", async () => {
    await adaWithFactors();
    const me = await signIn('root');
    expect((await rig.gh.admin.userDetail(me, ada.id)).secondFactors).toEqual({
      totp: true,
      passkeys: 1,
    });

    expect(await rig.gh.admin.clearSecondFactor(me, ada.id)).toEqual({ cleared: true });
    expect((await rig.gh.admin.userDetail(me, ada.id)).secondFactors).toEqual({
      totp: false,
      passkeys: 1,
    });
    expect(await rig.store.countRecoveryCodes(ada.id)).toBe(0);
    expect(await rig.store.listPasskeys(ada.id)).toHaveLength(1);
    // The password alone signs Ada in again.
    await signIn('ada');

    const [event] = await rig.store.listEvents({ type: 'mfa_cleared' });
    expect(event).toMatchObject({
      userId: ada.id,
      actorId: root.id,
      detail: 'authenticator app and recovery codes cleared by an admin',
    });
    const trail = await rig.gh.admin.auditTrail(me, { type: 'mfa_cleared' });
    expect(trail.events[0]).toMatchObject({ actor: { kind: 'admin', user: { username: 'root' } } });

    // Nothing left to clear: said so, and nothing recorded.
    expect(await rig.gh.admin.clearSecondFactor(me, ada.id)).toEqual({ cleared: false });
    expect(await rig.store.listEvents({ type: 'mfa_cleared' })).toHaveLength(1);
  });

  it('the users command clears it too, recorded as the command', async () => {
    await adaWithFactors();
    expect(await rig.gh.admin.clearSecondFactor(USERS_COMMAND, ada.id)).toEqual({ cleared: true });
    const [event] = await rig.store.listEvents({ type: 'mfa_cleared' });
    expect(event).toMatchObject({
      actorId: null,
      userAgent: USERS_COMMAND_AGENT,
      detail: 'authenticator app and recovery codes cleared by the users command',
    });
    const trail = await rig.gh.admin.auditTrail(USERS_COMMAND, { type: 'mfa_cleared' });
    expect(trail.events[0]).toMatchObject({ actor: { kind: 'users-command' } });
  });

  it('is for admins only, about live users only', async () => {
    await adaWithFactors();
    const other = await rig.addUser('bob');
    const bob = await signIn('bob');
    await expect(rig.gh.admin.clearSecondFactor(bob, ada.id)).rejects.toMatchObject({ code: 'forbidden' });
    const me = await signIn('root');
    for (const id of ['nope', '', '../x', 'a'.repeat(65)])
      await expect(rig.gh.admin.clearSecondFactor(me, id)).rejects.toMatchObject({ code: 'unknown_user' });
    await rig.gh.admin.deleteUser(me, other.id);
    await expect(rig.gh.admin.clearSecondFactor(me, other.id)).rejects.toMatchObject({
      code: 'unknown_user',
    });
    expect(await rig.store.findTotp(ada.id)).toMatchObject({ enabledAt: expect.any(Number) });
    expect(await rig.store.listEvents({ type: 'mfa_cleared' })).toEqual([]);
  });

  it('deleting a user removes every second factor with the account', async () => {
    await adaWithFactors();
    const me = await signIn('root');
    await rig.gh.admin.deleteUser(me, ada.id);
    expect(await rig.store.findTotp(ada.id)).toBeNull();
    expect(await rig.store.countRecoveryCodes(ada.id)).toBe(0);
    expect(await rig.store.listPasskeys(ada.id)).toEqual([]);
  });
});
