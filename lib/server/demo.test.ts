import { afterEach, describe, expect, it } from 'vitest';
import { makeRig, META, OTHER_SECRET as DEMO_SECRET, type TestRig } from '../../test/helpers';
import { demoLeftoverRefusal, seedDemoUsers } from './demo';

describe('demo seeding', () => {
  let rig: TestRig | undefined;
  afterEach(() => rig?.cleanup());

  it('creates jon (admin) and ada once on the first demo start', async () => {
    rig = await makeRig({ AUTH_SECRET: '', AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
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
    rig = await makeRig({ AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
    expect(rig.gh.config.demo).toBe(false);
    expect(await seedDemoUsers(rig.gh)).toBe(false);
    expect(await rig.gh.store.listUsers()).toEqual([]);
  });

  it('refuses a production start while an account the demo created still has the demo password', async () => {
    const demo = await makeRig({ AUTH_SECRET: '', AUTH_DEMO: '1', AUTH_DEMO_SECRET: DEMO_SECRET });
    try {
      await seedDemoUsers(demo.gh);
      const prod = await makeRig({}, demo.gh.store);
      const refusal = await demoLeftoverRefusal(prod.gh);
      expect(refusal).toContain('Refusing to start: demo account(s) jon, ada still accept the published demo password');
      expect(refusal).toContain('npm run users -- delete jon');
      expect(refusal).toContain('npm run users -- password ada');
      const ada = await prod.gh.store.findUserByUsername('ada');
      await prod.gh.store.updateUser(ada!.id, { passwordHash: await prod.gh.hasher.hash('something else') }, prod.clock());
      expect(await demoLeftoverRefusal(prod.gh)).toContain('demo account(s) jon still');
      expect(await demoLeftoverRefusal(demo.gh)).toBeNull();
      // Only the accounts the demo created count: a new user with the same password and a
      // re-created "jon" are the operator's business, not the demo's.
      const jon = await prod.gh.store.findUserByUsername('jon');
      await prod.gh.store.updateUser(jon!.id, { deletedAt: prod.clock() }, prod.clock());
      await prod.addUser('jon', { password: 'password' });
      await prod.addUser('carol', { password: 'password' });
      expect(await demoLeftoverRefusal(prod.gh)).toBeNull();
    } finally {
      await demo.cleanup();
    }
  });
});
