import { afterEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import { demoLeftoverWarning, seedDemoUsers } from './demo';

describe('demo seeding', () => {
  let rig: TestRig | undefined;
  afterEach(() => rig?.cleanup());

  it('creates jon (admin) and ada once on the first demo start', async () => {
    rig = await makeRig({ AUTH_SECRET: '', AUTH_DEMO_SECRET: 'd'.repeat(40) });
    expect(rig.gh.config.demo).toBe(true);
    expect(await seedDemoUsers(rig.gh)).toBe(true);
    const users = await rig.gh.store.listUsers();
    expect(users.map((u) => [u.username, u.displayName, u.admin, u.status])).toEqual([
      ['ada', 'Ada Lovelace', false, 'active'],
      ['jon', 'Jon Doe', true, 'active'],
    ]);
    await expect(rig.gh.sessions.login('jon', 'password', META)).resolves.toBeTruthy();
    // Deleted later: not recreated on the next start.
    await rig.gh.store.updateUser(users[0]!.id, { deletedAt: rig.clock() }, rig.clock());
    expect(await seedDemoUsers(rig.gh)).toBe(false);
    expect((await rig.gh.store.listUsers()).map((u) => u.username)).toEqual(['jon']);
  });

  it('never creates demo users when AUTH_SECRET is set', async () => {
    rig = await makeRig({ AUTH_DEMO_SECRET: 'd'.repeat(40) });
    expect(rig.gh.config.demo).toBe(false);
    expect(await seedDemoUsers(rig.gh)).toBe(false);
    expect(await rig.gh.store.listUsers()).toEqual([]);
  });

  it('warns when a production start finds demo accounts that still have the demo password', async () => {
    const demo = await makeRig({ AUTH_SECRET: '', AUTH_DEMO_SECRET: 'd'.repeat(40) });
    try {
      await seedDemoUsers(demo.gh);
      const prod = await makeRig({}, demo.gh.store);
      expect(await demoLeftoverWarning(prod.gh)).toContain('demo account(s) jon, ada still have the demo password');
      const ada = await prod.gh.store.findUserByUsername('ada');
      await prod.gh.store.updateUser(ada!.id, { passwordHash: await prod.gh.hasher.hash('something else') }, prod.clock());
      expect(await demoLeftoverWarning(prod.gh)).toContain('demo account(s) jon still');
      expect(await demoLeftoverWarning(demo.gh)).toBeNull();
    } finally {
      await demo.cleanup();
    }
  });
});
