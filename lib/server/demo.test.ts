import { afterEach, describe, expect, it } from 'vitest';
import { demoParts, makeRig, META, OTHER_SECRET as DEMO_SECRET, type TestRig } from '../../test/helpers';
import { demoLeftoverRefusal, seedDemoUsers } from './demo';

describe('demo seeding', () => {
  let rig: TestRig | undefined;
  afterEach(() => rig?.cleanup());

  it('creates jon (admin) and ada once on the first demo start', async () => {
    rig = await makeRig({ AUTH_SECRET: '', AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
    expect(rig.gh.config.demo).toBe(true);
    expect(await seedDemoUsers(demoParts(rig))).toBe(true);
    const users = await rig.store.listUsers();
    expect(users.map((u) => [u.username, u.displayName, u.admin, u.status])).toEqual([
      ['ada', 'Ada Lovelace', false, 'active'],
      ['jon', 'Jon Doe', true, 'active'],
    ]);
    await expect(rig.gh.sessions.login('jon', 'password', META)).resolves.toBeTruthy();
    // Deleted later: not recreated on the next start.
    await rig.store.updateUser(users[0]!.id, { deletedAt: rig.clock() }, rig.clock());
    expect(await seedDemoUsers(demoParts(rig))).toBe(false);
    expect((await rig.store.listUsers()).map((u) => u.username)).toEqual(['jon']);
  });

  it('never creates demo users when AUTH_SECRET is set', async () => {
    rig = await makeRig({ AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
    expect(rig.gh.config.demo).toBe(false);
    expect(await seedDemoUsers(demoParts(rig))).toBe(false);
    expect(await rig.store.listUsers()).toEqual([]);
  });

  it('refuses a production start while an account the demo created still has the demo password', async () => {
    const demo = await makeRig({ AUTH_SECRET: '', AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
    try {
      await seedDemoUsers(demoParts(demo));
      const prod = await makeRig({}, demo.store);
      const refusal = await demoLeftoverRefusal(demoParts(prod));
      expect(refusal).toContain('Refusing to start: demo account(s) jon, ada still accept the published demo password');
      expect(refusal).toContain('npm run users -- password jon');
      expect(refusal).toContain('npm run users -- password ada');
      const ada = await prod.store.findUserByUsername('ada');
      await prod.store.updateUser(ada!.id, { passwordHash: await prod.hasher.hash('something else') }, prod.clock());
      expect(await demoLeftoverRefusal(demoParts(prod))).toContain('demo account(s) jon still');
      expect(await demoLeftoverRefusal(demoParts(demo))).toBeNull();
      // Only the accounts the demo created count: a new user with the same password and a
      // re-created "jon" are the operator's business, not the demo's.
      const jon = await prod.store.findUserByUsername('jon');
      await prod.store.updateUser(jon!.id, { deletedAt: prod.clock() }, prod.clock());
      await prod.addUser('jon', { password: 'password' });
      await prod.addUser('carol', { password: 'password' });
      expect(await demoLeftoverRefusal(demoParts(prod))).toBeNull();
    } finally {
      await demo.cleanup();
    }
  });
});
