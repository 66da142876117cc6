import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PURGE_BATCH } from '../../lib/store/store';
import { UsernameTakenError, type Store } from '../../lib/auth/store';

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

    it('sets a meta key only once', async () => {
      expect(await store.getMeta('k')).toBeNull();
      expect(await store.setMetaOnce('k', 'v', T)).toBe(true);
      expect(await store.setMetaOnce('k', 'w', T)).toBe(false);
      expect(await store.getMeta('k')).toBe('v');
    });
  });
}
