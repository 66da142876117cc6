import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PURGE_BATCH } from '../../lib/store/store';
import { LastAdminError, UsernameTakenError, type Store } from '../../lib/auth/store';

/**
 * The one test suite every Store implementation must pass (after Lucia's adapter tests).
 * `open` returns a fresh, empty, migrated store; `close` disposes of it.
 */
export function storeContract(
  name: string,
  open: () => Promise<{ store: Store; close: () => Promise<void> }>,
) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const T = 1_800_000_000_000;

    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => close());

    const user = (id: string, username: string, admin = false) =>
      store.createUser({
        id,
        username,
        displayName: `User ${username}`,
        passwordHash: `hash-${id}`,
        admin,
        now: T,
      });
    const session = (id: string, userId: string) =>
      store.createSession({
        id,
        userId,
        now: T,
        idleExpiresAt: T + 1000,
        absoluteExpiresAt: T + 5000,
        userAgent: 'ua',
        ip: '10.0.0.1',
      });

    it('creates and finds users by id and case-insensitive username', async () => {
      const created = await user('u1', 'Jon', true);
      expect(created).toEqual({
        id: 'u1',
        username: 'Jon',
        displayName: 'User Jon',
        passwordHash: 'hash-u1',
        admin: true,
        status: 'active',
        createdAt: T,
        updatedAt: T,
        deletedAt: null,
        passwordChangedAt: null,
        revokedBefore: null,
      });
      expect(await store.findUserById('u1')).toEqual(created);
      expect(await store.findUserByUsername('jon')).toEqual(created);
      expect(await store.findUserByUsername('JON')).toEqual(created);
      expect(await store.findUserByUsername('nobody')).toBeNull();
      expect(await store.findUserById('nope')).toBeNull();
    });

    it('refuses a second user with the same name in any case', async () => {
      await user('u1', 'jon');
      await expect(user('u2', 'JON')).rejects.toBeInstanceOf(UsernameTakenError);
      expect(await store.listUsers()).toHaveLength(1);
    });

    it('updates users and hides deleted ones from lookups and lists, freeing the name', async () => {
      await user('u1', 'jon');
      await user('u2', 'ada');
      const banned = await store.updateUser('u1', { status: 'banned', admin: true, displayName: 'J' }, T + 1);
      expect(banned).toMatchObject({ status: 'banned', admin: true, displayName: 'J', updatedAt: T + 1 });
      await store.updateUser('u2', { deletedAt: T + 2 }, T + 2);
      expect((await store.listUsers()).map((u) => u.id)).toEqual(['u1']);
      expect(await store.findUserByUsername('ada')).toBeNull();
      expect((await store.findUserById('u2'))?.deletedAt).toBe(T + 2);
      await expect(user('u3', 'ada')).resolves.toMatchObject({ id: 'u3' });
      expect(await store.updateUser('missing', { admin: true }, T)).toBeNull();
    });

    it('creates sessions at generation 0', async () => {
      await user('u1', 'jon');
      expect(await session('s1', 'u1')).toEqual({
        id: 's1',
        userId: 'u1',
        gen: 0,
        createdAt: T,
        rotatedAt: T,
        idleExpiresAt: T + 1000,
        absoluteExpiresAt: T + 5000,
        revokedAt: null,
        revokedReason: null,
        userAgent: 'ua',
        ip: '10.0.0.1',
        amr: ['pwd'],
      });
      expect(await store.findSession('nope')).toBeNull();
    });

    it('rotates only from the expected generation, exactly once', async () => {
      await user('u1', 'jon');
      await session('s1', 'u1');
      const update = { rotatedAt: T + 10, idleExpiresAt: T + 2000 };
      const results = await Promise.all([0, 0, 0].map((gen) => store.rotateSession('s1', gen, update)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.rotateSession('s1', 0, update)).toBe(false);
      expect(await store.findSession('s1')).toMatchObject({
        gen: 1,
        rotatedAt: T + 10,
        idleExpiresAt: T + 2000,
      });
      expect(await store.rotateSession('s1', 1, update)).toBe(true);
      expect((await store.findSession('s1'))?.gen).toBe(2);
    });

    it('revokes a session once and never rotates a revoked one', async () => {
      await user('u1', 'jon');
      await session('s1', 'u1');
      expect(await store.revokeSession('s1', 'logout', T + 5)).toBe(true);
      expect(await store.revokeSession('s1', 'admin', T + 6)).toBe(false);
      expect(await store.findSession('s1')).toMatchObject({ revokedAt: T + 5, revokedReason: 'logout' });
      expect(await store.rotateSession('s1', 0, { rotatedAt: T, idleExpiresAt: T })).toBe(false);
      expect(await store.revokeSession('missing', 'logout', T)).toBe(false);
    });

    it("revokes all of a user's live sessions and lists live ones", async () => {
      await user('u1', 'jon');
      await user('u2', 'ada');
      await session('s1', 'u1');
      await session('s2', 'u1');
      await session('s3', 'u2');
      await store.revokeSession('s1', 'logout', T);
      expect((await store.listSessions('u1')).map((s) => s.id)).toEqual(['s2']);
      expect(await store.revokeUserSessions('u1', 'user_banned', T + 1)).toBe(1);
      expect(await store.listSessions('u1')).toEqual([]);
      expect(await store.findSession('s1')).toMatchObject({ revokedReason: 'logout' });
      expect(await store.findSession('s2')).toMatchObject({ revokedReason: 'user_banned' });
      expect(await store.findSession('s3')).toMatchObject({ revokedAt: null });
    });

    it('records events and lists them newest first, by user', async () => {
      const base = { ip: null, userAgent: null, sessionId: null, detail: null };
      await store.recordEvent({
        ...base,
        at: T,
        type: 'login_failed',
        userId: null,
        detail: 'unknown user x',
      });
      await store.recordEvent({ ...base, at: T + 1, type: 'login_ok', userId: 'u1', sessionId: 's1' });
      await store.recordEvent({ ...base, at: T + 2, type: 'logout', userId: 'u1', sessionId: 's1' });
      expect((await store.listEvents()).map((e) => e.type)).toEqual(['logout', 'login_ok', 'login_failed']);
      expect((await store.listEvents({ userId: 'u1', limit: 1 })).map((e) => e.type)).toEqual(['logout']);
      expect((await store.listEvents())[2]).toEqual({
        ...base,
        id: expect.any(Number),
        actorId: null,
        at: T,
        type: 'login_failed',
        userId: null,
        detail: 'unknown user x',
      });
    });

    it('purges sessions that ended before the cutoff, by idle or absolute expiry or revocation', async () => {
      await user('u1', 'jon');
      const at = (id: string, idle: number, absolute: number) =>
        store.createSession({
          id,
          userId: 'u1',
          now: T,
          idleExpiresAt: idle,
          absoluteExpiresAt: absolute,
          userAgent: null,
          ip: null,
        });
      const cutoff = T + 100;
      await at('idle-ended', cutoff - 1, T + 5000);
      await at('absolute-ended', T + 5000, cutoff - 1);
      await at('revoked-early', T + 5000, T + 5000);
      await store.revokeSession('revoked-early', 'logout', cutoff - 1);
      await at('revoked-late', T + 5000, T + 5000);
      await store.revokeSession('revoked-late', 'logout', cutoff);
      await at('idle-at-cutoff', cutoff, T + 5000);
      await at('live', T + 5000, T + 5000);
      expect(await store.purge({ sessionsEndedBefore: cutoff, eventsBefore: 0 })).toEqual({
        sessions: 3,
        events: 0,
      });
      for (const id of ['idle-ended', 'absolute-ended', 'revoked-early'])
        expect(await store.findSession(id), id).toBeNull();
      for (const id of ['revoked-late', 'idle-at-cutoff', 'live'])
        expect(await store.findSession(id), id).not.toBeNull();
      // The user stays; only their ended sessions go.
      expect(await store.findUserById('u1')).not.toBeNull();
      expect(await store.purge({ sessionsEndedBefore: cutoff, eventsBefore: 0 })).toEqual({
        sessions: 0,
        events: 0,
      });
    });

    it('purges audit events recorded before the cutoff, in batches larger than one statement', async () => {
      const event = (at: number) => ({
        at,
        type: 'login_failed' as const,
        userId: null,
        sessionId: null,
        ip: null,
        userAgent: null,
        detail: null,
      });
      await store.recordEvent(event(T - 1));
      await store.recordEvent(event(T));
      await store.recordEvent(event(T + 1));
      expect(await store.purge({ sessionsEndedBefore: 0, eventsBefore: T })).toEqual({
        sessions: 0,
        events: 1,
      });
      expect((await store.listEvents()).map((e) => e.at)).toEqual([T + 1, T]);
      for (let i = 0; i < PURGE_BATCH + 7; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, PURGE_BATCH + 7 - i) }, () => store.recordEvent(event(T + 2))),
        );
      }
      expect(await store.purge({ sessionsEndedBefore: 0, eventsBefore: T + 3 })).toEqual({
        sessions: 0,
        events: PURGE_BATCH + 9,
      });
      expect(await store.listEvents()).toEqual([]);
    }, 60_000);

    it('searches users by username or name, case-insensitively, paged, with the total', async () => {
      await user('u1', 'jon');
      await user('u2', 'Ada');
      await user('u3', 'adam');
      await user('u4', 'pct%_x');
      await store.updateUser('u3', { deletedAt: T }, T);
      expect(await store.searchUsers({ query: 'ADA', limit: 10, offset: 0 })).toMatchObject({
        users: [{ id: 'u2' }],
        total: 1,
      });
      // The display name matches too ("User jon").
      expect((await store.searchUsers({ query: 'user j', limit: 10, offset: 0 })).users.map((u) => u.id)).toEqual(['u1']);
      // LIKE's own characters are literals.
      expect((await store.searchUsers({ query: '%', limit: 10, offset: 0 })).users.map((u) => u.id)).toEqual(['u4']);
      expect((await store.searchUsers({ query: '_', limit: 10, offset: 0 })).users.map((u) => u.id)).toEqual(['u4']);
      // A NUL matches nothing (PostgreSQL would refuse it as a parameter).
      expect(await store.searchUsers({ query: 'jo\0n', limit: 10, offset: 0 })).toEqual({ users: [], total: 0 });
      expect(await store.findUserByUsername('jon\0')).toBeNull();
      const page = await store.searchUsers({ query: '', limit: 2, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.users.map((u) => u.id)).toEqual(['u1', 'u4']);
    });

    it('keeps an active admin: the last one cannot be banned, deleted or demoted under keepAnAdmin', async () => {
      await user('a1', 'root', true);
      await user('a2', 'second', true);
      await user('u1', 'jon');
      expect((await store.updateUser('a1', { admin: false }, T, { keepAnAdmin: true }))?.admin).toBe(false);
      await expect(store.updateUser('a2', { admin: false }, T, { keepAnAdmin: true })).rejects.toBeInstanceOf(
        LastAdminError,
      );
      await expect(store.updateUser('a2', { status: 'banned' }, T, { keepAnAdmin: true })).rejects.toBeInstanceOf(
        LastAdminError,
      );
      await expect(store.updateUser('a2', { deletedAt: T }, T, { keepAnAdmin: true })).rejects.toBeInstanceOf(
        LastAdminError,
      );
      expect((await store.findUserById('a2'))).toMatchObject({ admin: true, status: 'active', deletedAt: null });
      // Not an admin: nothing to keep. Unknown: null.
      expect((await store.updateUser('u1', { status: 'banned' }, T, { keepAnAdmin: true }))?.status).toBe('banned');
      expect(await store.updateUser('nope', { status: 'banned' }, T, { keepAnAdmin: true })).toBeNull();
      // A banned admin does not count as the one that remains.
      await store.updateUser('a1', { admin: true, status: 'banned' }, T);
      await expect(store.updateUser('a2', { admin: false }, T, { keepAnAdmin: true })).rejects.toBeInstanceOf(
        LastAdminError,
      );
    });

    it('lets only one of two admins demoting each other at once succeed', async () => {
      await user('a1', 'root', true);
      await user('a2', 'second', true);
      const results = await Promise.allSettled([
        store.updateUser('a1', { admin: false }, T, { keepAnAdmin: true }),
        store.updateUser('a2', { admin: false }, T, { keepAnAdmin: true }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.listUsers()).filter((u) => u.admin)).toHaveLength(1);
    });

    it('revokes every session of a user but one, and reports revocations since a time', async () => {
      await user('u1', 'jon');
      await user('u2', 'ada');
      await session('s1', 'u1');
      await session('s2', 'u1');
      await session('s3', 'u1');
      await session('s4', 'u2');
      await store.revokeSession('s4', 'logout', T - 10);
      expect(await store.revokeUserSessions('u1', 'user', T + 5, { except: 's2' })).toBe(2);
      expect((await store.listSessions('u1')).map((s) => s.id)).toEqual(['s2']);
      await store.updateUser('u2', { revokedBefore: T + 7 }, T + 7);
      const rows = await store.revocationsSince(T);
      expect([...rows.sessions].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 's1', userId: 'u1', at: T + 5 },
        { id: 's3', userId: 'u1', at: T + 5 },
      ]);
      expect(rows.users).toEqual([{ id: 'u2', since: T + 7 }]);
      expect(await store.revocationsSince(T + 8)).toEqual({ sessions: [], users: [] });
    });

    it('creates a session only for an active, undeleted user, with the password it was checked against', async () => {
      await user('u1', 'jon');
      await user('u2', 'ada');
      await user('u3', 'eve');
      const make = (id: string, userId: string, passwordEpoch?: number | null) =>
        store.createSession({
          id,
          userId,
          now: T,
          idleExpiresAt: T + 1000,
          absoluteExpiresAt: T + 5000,
          userAgent: null,
          ip: null,
          ...(passwordEpoch === undefined ? {} : { passwordEpoch }),
        });
      expect(await make('s1', 'u1', null)).toMatchObject({ id: 's1', userId: 'u1', gen: 0, userAgent: null });
      await store.updateUser('u1', { passwordChangedAt: T + 1 }, T + 1);
      expect(await make('s2', 'u1', null)).toBeNull();
      expect(await make('s3', 'u1', T + 1)).toMatchObject({ id: 's3' });
      await store.updateUser('u2', { status: 'banned' }, T);
      expect(await make('s4', 'u2')).toBeNull();
      await store.updateUser('u3', { deletedAt: T }, T);
      expect(await make('s5', 'u3')).toBeNull();
      expect(await make('s6', 'nobody')).toBeNull();
      expect(await store.findSession('s2')).toBeNull();
    });

    it('filters and pages the audit trail by user and type, with the actor', async () => {
      const base = { sessionId: null, ip: null, userAgent: null, detail: null };
      await store.recordEvent({ ...base, at: T, type: 'login_ok', userId: 'u1' });
      await store.recordEvent({ ...base, at: T + 1, type: 'ban', userId: 'u1', actorId: 'a1' });
      await store.recordEvent({ ...base, at: T + 2, type: 'login_ok', userId: 'u2' });
      await store.recordEvent({ ...base, at: T + 3, type: 'login_ok', userId: 'u1' });
      expect((await store.listEvents({ type: 'login_ok' })).map((e) => e.at)).toEqual([T + 3, T + 2, T]);
      expect((await store.listEvents({ type: 'login_ok', userId: 'u1', limit: 1, offset: 1 })).map((e) => e.at)).toEqual([T]);
      expect(await store.listEvents({ type: 'ban' })).toMatchObject([{ actorId: 'a1', userId: 'u1' }]);
    });

    it('erases where a user was: addresses and user agents of sessions and events', async () => {
      await user('u1', 'jon');
      await session('s1', 'u1');
      await store.recordEvent({ at: T, type: 'login_ok', userId: 'u1', sessionId: 's1', ip: '10.0.0.1', userAgent: 'ua', detail: null });
      await store.eraseUserTraces('u1');
      expect(await store.findSession('s1')).toMatchObject({ ip: null, userAgent: null });
      expect(await store.listEvents({ userId: 'u1' })).toMatchObject([{ ip: null, userAgent: null, type: 'login_ok' }]);
    });

    it('scrubs ended sessions of their address and user agent before deleting them', async () => {
      await user('u1', 'jon');
      await session('s1', 'u1');
      await session('s2', 'u1');
      await store.revokeSession('s1', 'logout', T);
      await store.purge({ sessionsEndedBefore: 0, eventsBefore: 0, scrubEndedBefore: T + 1 });
      expect(await store.findSession('s1')).toMatchObject({ ip: null, userAgent: null });
      // s2 idles out at T + 1000: still live at T + 1.
      expect(await store.findSession('s2')).toMatchObject({ ip: '10.0.0.1', userAgent: 'ua' });
    });

    it('uses a password link once, before it expires, and ends older links on a new one', async () => {
      await user('u1', 'jon');
      const link = (hash: string, createdAt: number) => ({
        tokenHash: hash,
        userId: 'u1',
        purpose: 'reset' as const,
        createdAt,
        expiresAt: createdAt + 1000,
        createdBy: null,
      });
      await store.createPasswordLink(link('h1', T));
      expect(await store.findPasswordLink('h1')).toMatchObject({ usedAt: null, purpose: 'reset' });
      await store.createPasswordLink(link('h2', T + 1));
      // The first ended when the second was made.
      expect(await store.consumePasswordLink('h1', T + 2)).toBeNull();
      const [a, b] = await Promise.all([store.consumePasswordLink('h2', T + 2), store.consumePasswordLink('h2', T + 2)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await store.findPasswordLink('h2')).toMatchObject({ usedAt: T + 2 });
      await store.createPasswordLink(link('h3', T + 3));
      expect(await store.consumePasswordLink('h3', T + 1003)).toBeNull();
      await store.createPasswordLink(link('h4', T + 4));
      await store.endPasswordLinks('u1', T + 5);
      expect(await store.consumePasswordLink('h4', T + 6)).toBeNull();
      expect(await store.findPasswordLink('nope')).toBeNull();
    });

    it('sets a meta key only once', async () => {
      expect(await store.getMeta('k')).toBeNull();
      expect(await store.setMetaOnce('k', 'v', T)).toBe(true);
      expect(await store.setMetaOnce('k', 'w', T)).toBe(false);
      expect(await store.getMeta('k')).toBe('v');
    });
  });

  describe(`Store contract, authenticator app and second step: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const T = 1_800_000_000_000;

    beforeEach(async () => {
      ({ store, close } = await open());
      for (const id of ['u1', 'u2'])
        await store.createUser({ id, username: id, displayName: id, passwordHash: 'h', admin: false, now: T });
    });
    afterEach(async () => close());

    const hashes = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);

    it('begins an enrolment (restartable while pending), enables it with its secret only, then refuses to begin again', async () => {
      expect(await store.findTotp('u1')).toBeNull();
      expect(await store.beginTotp('u1', 'sealed-a', T)).toBe(true);
      expect(await store.findTotp('u1')).toEqual({
        userId: 'u1',
        sealedSecret: 'sealed-a',
        createdAt: T,
        enabledAt: null,
        lastStep: null,
      });
      expect(await store.beginTotp('u1', 'sealed-b', T + 1)).toBe(true);
      expect(await store.findTotp('u1')).toMatchObject({ sealedSecret: 'sealed-b', createdAt: T + 1 });
      // The code was checked against a secret that has since been replaced: nothing changes.
      expect(await store.enableTotp('u1', 'sealed-a', 7, hashes('a'), T + 2)).toBe(false);
      expect(await store.countRecoveryCodes('u1')).toBe(0);
      expect(await store.enableTotp('u1', 'sealed-b', 7, hashes('b'), T + 2)).toBe(true);
      expect(await store.findTotp('u1')).toMatchObject({ enabledAt: T + 2, lastStep: 7 });
      expect(await store.countRecoveryCodes('u1')).toBe(10);
      expect(await store.enableTotp('u1', 'sealed-b', 8, hashes('c'), T + 3)).toBe(false);
      expect(await store.beginTotp('u1', 'sealed-c', T + 3)).toBe(false);
      expect(await store.findTotp('u1')).toMatchObject({
        sealedSecret: 'sealed-b',
        enabledAt: T + 2,
        lastStep: 7,
      });
      expect(await store.findTotp('u2')).toBeNull();
    });

    it('uses a time step only after the last one, once: of two concurrent uses one wins', async () => {
      await store.beginTotp('u1', 's', T);
      // Pending: no step is usable yet.
      expect(await store.useTotpStep('u1', 10)).toBe(false);
      await store.enableTotp('u1', 's', 10, [], T);
      expect(await store.useTotpStep('u1', 10)).toBe(false);
      expect(await store.useTotpStep('u1', 9)).toBe(false);
      const both = await Promise.all([store.useTotpStep('u1', 11), store.useTotpStep('u1', 11)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.useTotpStep('u1', 13)).toBe(true);
      expect(await store.useTotpStep('u1', 12)).toBe(false);
      expect(await store.findTotp('u1')).toMatchObject({ lastStep: 13 });
      expect(await store.useTotpStep('u2', 20)).toBe(false);
    });

    it("uses each recovery code once, only the user's own; replacing them ends the old ones", async () => {
      await store.beginTotp('u1', 's', T);
      await store.enableTotp('u1', 's', 1, hashes('a'), T);
      expect(await store.useRecoveryCode('u2', 'a0', T + 1)).toBe(false);
      const both = await Promise.all([
        store.useRecoveryCode('u1', 'a0', T + 1),
        store.useRecoveryCode('u1', 'a0', T + 1),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.useRecoveryCode('u1', 'nope', T + 1)).toBe(false);
      expect(await store.countRecoveryCodes('u1')).toBe(9);
      await store.replaceRecoveryCodes('u1', hashes('b'), T + 2);
      expect(await store.countRecoveryCodes('u1')).toBe(10);
      expect(await store.useRecoveryCode('u1', 'a1', T + 3)).toBe(false);
      expect(await store.useRecoveryCode('u1', 'b1', T + 3)).toBe(true);
      await store.replaceRecoveryCodes('u1', [], T + 4);
      expect(await store.countRecoveryCodes('u1')).toBe(0);
    });

    it('deletes the factor with its codes, saying whether an enabled one went', async () => {
      await store.beginTotp('u1', 's', T);
      expect(await store.deleteTotp('u1')).toBe(false);
      expect(await store.findTotp('u1')).toBeNull();
      await store.beginTotp('u1', 's', T);
      await store.enableTotp('u1', 's', 1, hashes('a'), T);
      await store.beginTotp('u2', 't', T);
      await store.enableTotp('u2', 't', 1, hashes('x'), T);
      expect(await store.deleteTotp('u1')).toBe(true);
      expect(await store.findTotp('u1')).toBeNull();
      expect(await store.countRecoveryCodes('u1')).toBe(0);
      expect(await store.deleteTotp('u1')).toBe(false);
      // Another user's stay.
      expect(await store.countRecoveryCodes('u2')).toBe(10);
      await store.deleteSecondFactors('u2');
      expect(await store.findTotp('u2')).toBeNull();
      expect(await store.countRecoveryCodes('u2')).toBe(0);
    });

    it('counts tries of a second step while unused, unexpired and under the limit; finishes it once', async () => {
      const step = {
        userId: 'u1',
        firstFactor: 'pwd',
        passwordEpoch: null,
        createdAt: T,
        expiresAt: T + 300_000,
      };
      await store.createMfaStep({ ...step, tokenHash: 'h1' });
      expect(await store.tryMfaStep('h1', T + 1, 3)).toEqual({
        ...step,
        tokenHash: 'h1',
        tries: 1,
        usedAt: null,
      });
      expect(await store.tryMfaStep('h1', T + 1, 3)).toMatchObject({ tries: 2 });
      expect(await store.tryMfaStep('h1', T + 1, 3)).toMatchObject({ tries: 3 });
      expect(await store.tryMfaStep('h1', T + 1, 3)).toBeNull();
      expect(await store.tryMfaStep('nope', T + 1, 3)).toBeNull();

      await store.createMfaStep({ ...step, tokenHash: 'h2', passwordEpoch: T - 5 });
      expect(await store.tryMfaStep('h2', T + 300_000, 5)).toBeNull();
      expect(await store.tryMfaStep('h2', T + 299_999, 5)).toMatchObject({ passwordEpoch: T - 5, tries: 1 });

      await store.createMfaStep({ ...step, tokenHash: 'h3' });
      const both = await Promise.all([store.finishMfaStep('h3', T + 2), store.finishMfaStep('h3', T + 2)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.tryMfaStep('h3', T + 3, 5)).toBeNull();
      expect(await store.finishMfaStep('nope', T + 3)).toBe(false);
    });

    it('a burst of tries at one step counts each, and no more than the limit get through', async () => {
      await store.createMfaStep({
        tokenHash: 'h',
        userId: 'u1',
        firstFactor: 'pwd',
        passwordEpoch: null,
        createdAt: T,
        expiresAt: T + 1000,
      });
      const tries = await Promise.all(Array.from({ length: 8 }, () => store.tryMfaStep('h', T, 5)));
      expect(tries.filter(Boolean)).toHaveLength(5);
      expect(tries.flatMap((t) => (t ? [t.tries] : [])).sort()).toEqual([1, 2, 3, 4, 5]);
    });

    it('purges second steps that have expired', async () => {
      const step = { userId: 'u1', firstFactor: 'pwd', passwordEpoch: null, createdAt: T };
      await store.createMfaStep({ ...step, tokenHash: 'old', expiresAt: T + 10 });
      await store.createMfaStep({ ...step, tokenHash: 'new', expiresAt: T + 1000 });
      await store.purge({ sessionsEndedBefore: T + 11, eventsBefore: 0 });
      expect(await store.tryMfaStep('old', T, 5)).toBeNull();
      expect(await store.tryMfaStep('new', T, 5)).toMatchObject({ tries: 1 });
    });
  });

  describe(`Store contract: ${name}: passkeys and their challenges`, () => {
    let store: Store;
    let close: () => Promise<void>;
    const T = 1_800_000_000_000;

    beforeEach(async () => {
      ({ store, close } = await open());
      for (const [id, username] of [
        ['u1', 'jon'],
        ['u2', 'ada'],
      ]) {
        await store.createUser({
          id: id!,
          username: username!,
          displayName: username!,
          passwordHash: 'h',
          admin: false,
          now: T,
        });
      }
    });
    afterEach(async () => close());

    const passkey = (id: string, userId: string, createdAt = T) => ({
      id,
      userId,
      publicKey: `pk-${id}`,
      counter: 0,
      transports: ['internal', 'hybrid'],
      deviceType: 'singleDevice' as const,
      backedUp: false,
      aaguid: '00000000-0000-0000-0000-000000000000',
      name: `Key ${id}`,
      createdAt,
    });

    it('stores passkeys, one owner per credential id, listed newest first', async () => {
      expect(await store.createPasskey(passkey('c1', 'u1'))).toBe(true);
      expect(
        await store.createPasskey({
          ...passkey('c2', 'u1', T + 1),
          transports: [],
          deviceType: 'multiDevice',
          backedUp: true,
          aaguid: null,
        }),
      ).toBe(true);
      expect(await store.createPasskey(passkey('c1', 'u2'))).toBe(false);
      expect(await store.findPasskey('c1')).toEqual({ ...passkey('c1', 'u1'), lastUsedAt: null });
      expect(await store.findPasskey('c2')).toMatchObject({
        transports: [],
        deviceType: 'multiDevice',
        backedUp: true,
        aaguid: null,
      });
      expect((await store.listPasskeys('u1')).map((p) => p.id)).toEqual(['c2', 'c1']);
      expect(await store.listPasskeys('u2')).toEqual([]);
      expect(await store.findPasskey('nope')).toBeNull();
      // A NUL would make PostgreSQL fail the query: nobody's id.
      expect(await store.findPasskey('c1\0')).toBeNull();
    });

    it('records a use only from the counter it was verified against: of two uses, one wins', async () => {
      await store.createPasskey(passkey('c1', 'u1'));
      const uses = await Promise.all([
        store.usePasskey('c1', { expectedCounter: 0, counter: 5, backedUp: true, now: T + 1 }),
        store.usePasskey('c1', { expectedCounter: 0, counter: 6, backedUp: false, now: T + 2 }),
      ]);
      expect(uses.filter(Boolean)).toHaveLength(1);
      const after = (await store.findPasskey('c1'))!;
      expect(after.counter).toBe(uses[0] ? 5 : 6);
      expect(after.lastUsedAt).toBe(uses[0] ? T + 1 : T + 2);
      expect(
        await store.usePasskey('c1', { expectedCounter: 0, counter: 7, backedUp: false, now: T + 3 }),
      ).toBe(false);
      expect(
        await store.usePasskey('c1', {
          expectedCounter: after.counter,
          counter: 7,
          backedUp: false,
          now: T + 3,
        }),
      ).toBe(true);
      expect(await store.findPasskey('c1')).toMatchObject({ counter: 7, backedUp: false, lastUsedAt: T + 3 });
      expect(
        await store.usePasskey('nope', { expectedCounter: 0, counter: 1, backedUp: false, now: T }),
      ).toBe(false);
    });

    it("renames and deletes only the user's own passkeys", async () => {
      await store.createPasskey(passkey('c1', 'u1'));
      expect(await store.renamePasskey('u2', 'c1', 'Mine')).toBe(false);
      expect(await store.deletePasskey('u2', 'c1')).toBe(false);
      expect(await store.renamePasskey('u1', 'nope', 'x')).toBe(false);
      expect(await store.renamePasskey('u1', 'c1\0', 'x')).toBe(false);
      expect(await store.deletePasskey('u1', 'c1\0')).toBe(false);
      expect(await store.findPasskey('c1')).toMatchObject({ userId: 'u1', name: 'Key c1' });
      expect(await store.renamePasskey('u1', 'c1', 'Laptop')).toBe(true);
      expect(await store.findPasskey('c1')).toMatchObject({ name: 'Laptop' });
      expect(await store.deletePasskey('u1', 'c1')).toBe(true);
      expect(await store.deletePasskey('u1', 'c1')).toBe(false);
      expect(await store.findPasskey('c1')).toBeNull();
    });

    it("removes every passkey of a user with their second factors, and no one else's", async () => {
      await store.createPasskey(passkey('c1', 'u1'));
      await store.createPasskey(passkey('c2', 'u1'));
      await store.createPasskey(passkey('c3', 'u2'));
      await store.deleteSecondFactors('u1');
      expect(await store.listPasskeys('u1')).toEqual([]);
      expect((await store.listPasskeys('u2')).map((p) => p.id)).toEqual(['c3']);
    });

    it('gives a challenge out once, only for its purpose and before it expires', async () => {
      const challenge = (value: string, purpose: 'register' | 'authenticate', owner = false) => ({
        challenge: value,
        purpose,
        userId: owner ? 'u1' : null,
        sessionId: owner ? 's1' : null,
        createdAt: T,
        expiresAt: T + 300_000,
      });
      await store.createChallenge(challenge('reg', 'register', true));
      await store.createChallenge(challenge('auth', 'authenticate'));
      await store.createChallenge(challenge('wrong', 'register'));
      await store.createChallenge(challenge('old', 'authenticate'));
      await store.createChallenge(challenge('raced', 'authenticate'));

      expect(await store.takeChallenge('reg', 'register', T + 1)).toEqual(challenge('reg', 'register', true));
      expect(await store.takeChallenge('reg', 'register', T + 1)).toBeNull();
      expect(await store.takeChallenge('auth', 'authenticate', T + 299_999)).toEqual(
        challenge('auth', 'authenticate'),
      );
      // Presented for the other ceremony, or too late: refused, and spent all the same.
      expect(await store.takeChallenge('wrong', 'authenticate', T)).toBeNull();
      expect(await store.takeChallenge('wrong', 'register', T)).toBeNull();
      expect(await store.takeChallenge('old', 'authenticate', T + 300_000)).toBeNull();
      expect(await store.takeChallenge('old', 'authenticate', T)).toBeNull();
      expect(await store.takeChallenge('nope', 'authenticate', T)).toBeNull();
      expect(await store.takeChallenge('nul\0', 'authenticate', T)).toBeNull();
      const raced = await Promise.all([
        store.takeChallenge('raced', 'authenticate', T),
        store.takeChallenge('raced', 'authenticate', T),
      ]);
      expect(raced.filter(Boolean)).toHaveLength(1);
    });

    it('purges expired challenges by expiredBefore when given, however long sessions are kept', async () => {
      const base = { purpose: 'authenticate' as const, userId: null, sessionId: null, createdAt: T };
      await store.createChallenge({ ...base, challenge: 'expired', expiresAt: T + 10 });
      await store.createChallenge({ ...base, challenge: 'live', expiresAt: T + 1000 });
      await store.purge({ sessionsEndedBefore: 0, eventsBefore: 0, expiredBefore: T + 500 });
      expect(await store.takeChallenge('expired', 'authenticate', 0)).toBeNull();
      expect(await store.takeChallenge('live', 'authenticate', T)).not.toBeNull();
    });

    it('purges challenges that expired before the cutoff', async () => {
      const base = { purpose: 'authenticate' as const, userId: null, sessionId: null, createdAt: T };
      await store.createChallenge({ ...base, challenge: 'gone', expiresAt: T + 10 });
      await store.createChallenge({ ...base, challenge: 'kept', expiresAt: T + 1000 });
      await store.purge({ sessionsEndedBefore: T + 500, eventsBefore: 0 });
      expect(await store.takeChallenge('gone', 'authenticate', T)).toBeNull();
      expect(await store.takeChallenge('kept', 'authenticate', T)).not.toBeNull();
    });
  });
}
