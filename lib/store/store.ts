import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { isAuthError, LastAdminError, UnavailableError, UsernameTakenError } from '../edge/errors';
import {
  parseAmr,
  usernameKey,
  type MfaStep,
  type Passkey,
  type TotpFactor,
  type WebAuthnChallenge,
  type PasswordLink,
  type Session,
  type StoredEvent,
  type Store,
  type User,
} from '../auth/store';
import type {
  AuthEventsTable,
  Database,
  DialectName,
  MfaStepsTable,
  PasskeysTable,
  PasswordLinksTable,
  TotpFactorsTable,
  WebAuthnChallengesTable,
  SessionsTable,
  UsersTable,
} from './schema';

/**
 * The one Store implementation, for SQLite and PostgreSQL alike: the same queries through
 * Kysely, with the few differences (booleans, error codes) decided by `dialect`. Opened by
 * lib/store/sqlite.ts or lib/store/postgres.ts, which own the connection and the migrations.
 */
export function createStore(db: Kysely<Database>, dialect: DialectName): Store {
  // better-sqlite3 cannot bind a boolean, and SQLite stores one as 0/1 anyway.
  const bool = dialect === 'sqlite' ? (b: boolean) => (b ? 1 : 0) : (b: boolean) => b;

  const store: Store = {
    async createUser(user) {
      try {
        const row = await db
          .insertInto('users')
          .values({
            id: user.id,
            username: user.username,
            username_key: usernameKey(user.username),
            display_name: user.displayName,
            password_hash: user.passwordHash,
            admin: bool(user.admin),
            created_at: user.now,
            updated_at: user.now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new UsernameTakenError(user.username);
        throw error;
      }
    },
    async findUserById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findUserByUsername(username) {
      // No name has a NUL, and PostgreSQL refuses one in a text parameter (an error that would
      // read as an outage): no match, on both dialects.
      if (username.includes('\0')) return null;
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('username_key', '=', usernameKey(username))
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async listUsers() {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('username_key')
        .execute();
      return rows.map(toUser);
    },
    async searchUsers({ query, limit, offset }) {
      const text = query?.trim() ?? '';
      if (text.includes('\0')) return { users: [], total: 0 };
      // LIKE with the user's text as a literal: % _ and the escape character itself escaped.
      const pattern = `%${usernameKey(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const base = db
        .selectFrom('users')
        .where('deleted_at', 'is', null)
        .$if(text !== '', (qb) =>
          qb.where((eb) =>
            eb.or([
              sql<boolean>`username_key LIKE ${pattern} ESCAPE '\\'`,
              sql<boolean>`lower(display_name) LIKE ${pattern} ESCAPE '\\'`,
            ]),
          ),
        );
      const [rows, count] = await Promise.all([
        base.selectAll().orderBy('created_at').orderBy('username_key').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { users: rows.map(toUser), total: Number(count.n) };
    },
    async updateUser(id, patch, now, options = {}) {
      const set: Updateable<UsersTable> = { updated_at: now };
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.admin !== undefined) set.admin = bool(patch.admin);
      if (patch.status !== undefined) set.status = patch.status;
      if (patch.deletedAt !== undefined) set.deleted_at = patch.deletedAt;
      if (patch.passwordChangedAt !== undefined) set.password_changed_at = patch.passwordChangedAt;
      if (patch.revokedBefore !== undefined) set.revoked_before = patch.revokedBefore;
      if (!options.keepAnAdmin) {
        const row = await db
          .updateTable('users')
          .set(set)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row ? toUser(row) : null;
      }
      return db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') {
          // Under READ COMMITTED two admins demoting each other would each still see the
          // other as an admin: lock every active admin row first, so the second waits and
          // then counts again. (SQLite runs one write statement at a time anyway.)
          await trx
            .selectFrom('users')
            .select('id')
            .where('admin', '=', bool(true))
            .where('status', '=', 'active')
            .where('deleted_at', 'is', null)
            .forUpdate()
            .execute();
        }
        const row = await trx
          .updateTable('users')
          .set(set)
          .where('id', '=', id)
          .where((eb) =>
            eb.or([
              // Not an active admin now: nothing to keep.
              eb.not(
                eb.and([
                  eb('admin', '=', bool(true)),
                  eb('status', '=', 'active'),
                  eb('deleted_at', 'is', null),
                ]),
              ),
              eb.exists(
                eb
                  .selectFrom('users as other')
                  .select('other.id')
                  .where('other.id', '<>', id)
                  .where('other.admin', '=', bool(true))
                  .where('other.status', '=', 'active')
                  .where('other.deleted_at', 'is', null),
              ),
            ]),
          )
          .returningAll()
          .executeTakeFirst();
        if (row) return toUser(row);
        const exists = await trx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) return null;
        throw new LastAdminError();
      });
    },
    async eraseUserTraces(userId) {
      await db
        .updateTable('sessions')
        .set({ ip: null, user_agent: null })
        .where('user_id', '=', userId)
        .execute();
      await db
        .updateTable('auth_events')
        .set({ ip: null, user_agent: null })
        .where('user_id', '=', userId)
        .execute();
    },

    async createSession(s) {
      // INSERT … SELECT from the user's row, so the check and the insert are one statement.
      // PostgreSQL: FOR SHARE makes a concurrent ban or password change wait for this insert
      // (and then revoke the new session with the rest), or this insert wait for it (and then
      // find the row changed and insert nothing). SQLite runs one writer at a time.
      const text = (value: string | null) => sql<string>`cast(${value} as text)`;
      const time = (value: number) => sql<number>`cast(${value} as bigint)`;
      const row = await db
        .insertInto('sessions')
        .columns([
          'id',
          'user_id',
          'gen',
          'created_at',
          'rotated_at',
          'idle_expires_at',
          'absolute_expires_at',
          'user_agent',
          'ip',
          'amr',
        ])
        .expression((eb) =>
          eb
            .selectFrom('users')
            .select([
              text(s.id).as('id'),
              'users.id as user_id',
              sql<number>`0`.as('gen'),
              time(s.now).as('created_at'),
              time(s.now).as('rotated_at'),
              time(s.idleExpiresAt).as('idle_expires_at'),
              time(s.absoluteExpiresAt).as('absolute_expires_at'),
              text(s.userAgent).as('user_agent'),
              text(s.ip).as('ip'),
              text((s.amr ?? ['pwd']).join(',')).as('amr'),
            ])
            .where('users.id', '=', s.userId)
            .where('users.status', '=', 'active')
            .where('users.deleted_at', 'is', null)
            .$if(s.passwordEpoch !== undefined, (qb) =>
              s.passwordEpoch === null
                ? qb.where('users.password_changed_at', 'is', null)
                : qb.where('users.password_changed_at', '=', s.passwordEpoch!),
            )
            .$if(dialect === 'postgres', (qb) => qb.forShare()),
        )
        .returningAll()
        .executeTakeFirst();
      return row ? toSession(row) : null;
    },
    async findSession(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toSession(row) : null;
    },
    async rotateSession(id, expectedGen, update) {
      // One conditional write: of two concurrent rotations from the same generation, exactly
      // one matches the row (row locking in PostgreSQL, the single writer in SQLite).
      const result = await db
        .updateTable('sessions')
        .set((eb) => ({
          gen: eb('gen', '+', 1),
          rotated_at: update.rotatedAt,
          idle_expires_at: update.idleExpiresAt,
        }))
        .where('id', '=', id)
        .where('gen', '=', expectedGen)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async revokeSession(id, reason, at) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: at, revoked_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async revokeUserSessions(userId, reason, at, options = {}) {
      const { except } = options;
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: at, revoked_reason: reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .$if(except !== undefined, (qb) => qb.where('id', '<>', except!))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async listSessions(userId) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toSession);
    },

    async recordEvent(e) {
      await db
        .insertInto('auth_events')
        .values({
          at: e.at,
          type: e.type,
          user_id: e.userId,
          session_id: e.sessionId,
          ip: e.ip,
          user_agent: e.userAgent,
          detail: e.detail,
          actor_id: e.actorId ?? null,
        })
        .execute();
    },
    async listEvents(filter = {}) {
      const { userId, type } = filter;
      const rows = await db
        .selectFrom('auth_events')
        .selectAll()
        .$if(userId !== undefined, (qb) => qb.where('user_id', '=', userId!))
        .$if(type !== undefined, (qb) => qb.where('type', '=', type!))
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .offset(filter.offset ?? 0)
        .execute();
      return rows.map(toEvent);
    },

    async revocationsSince(cutoff) {
      const [sessions, users] = await Promise.all([
        db
          .selectFrom('sessions')
          .select(['id', 'user_id', 'revoked_at'])
          .where('revoked_at', '>=', cutoff)
          .execute(),
        db
          .selectFrom('users')
          .select(['id', 'revoked_before'])
          .where('revoked_before', '>=', cutoff)
          .execute(),
      ]);
      return {
        sessions: sessions.map((r) => ({ id: r.id, userId: r.user_id, at: Number(r.revoked_at) })),
        users: users.map((r) => ({ id: r.id, since: Number(r.revoked_before) })),
      };
    },

    async createPasswordLink(link) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('password_links')
          .set({ used_at: link.createdAt })
          .where('user_id', '=', link.userId)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('password_links')
          .values({
            token_hash: link.tokenHash,
            user_id: link.userId,
            purpose: link.purpose,
            created_at: link.createdAt,
            expires_at: link.expiresAt,
            created_by: link.createdBy,
          })
          .execute();
      });
    },
    async findPasswordLink(tokenHash) {
      const row = await db
        .selectFrom('password_links')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? toLink(row) : null;
    },
    async consumePasswordLink(tokenHash, now) {
      const row = await db
        .updateTable('password_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? toLink(row) : null;
    },
    async endPasswordLinks(userId, now) {
      await db
        .updateTable('password_links')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .execute();
    },

    async purge({ sessionsEndedBefore, eventsBefore, scrubEndedBefore, expiredBefore }) {
      const shortLived = expiredBefore ?? sessionsEndedBefore;
      if (scrubEndedBefore !== undefined) {
        // An ended session's address and user agent are kept no longer than the audit trail's
        // own copy needs them: the row stays (for "signed in last week"), the traces go.
        for (const column of ['revoked_at', 'idle_expires_at', 'absolute_expires_at'] as const) {
          await db
            .updateTable('sessions')
            .set({ ip: null, user_agent: null })
            .where(column, '<', scrubEndedBefore)
            .where((eb) => eb.or([eb('ip', 'is not', null), eb('user_agent', 'is not', null)]))
            .execute();
        }
      }
      await db.deleteFrom('password_links').where('expires_at', '<', sessionsEndedBefore).execute();
      // Second sign-in steps and passkey challenges live minutes; the rows only matter until then.
      await db.deleteFrom('mfa_steps').where('expires_at', '<', shortLived).execute();
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<', shortLived).execute();
      // In batches, so a first purge of a large table never holds the write lock for long
      // (SQLite has one writer; sign-ins would queue behind it). One pass per way a session
      // ends, each answered by its own index (an OR of the three made SQLite scan the table).
      let sessions = 0;
      for (const column of ['revoked_at', 'idle_expires_at', 'absolute_expires_at'] as const) {
        sessions += await inBatches(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('id', 'in', (eb) =>
              eb
                .selectFrom('sessions')
                .select('id')
                .where(column, '<', sessionsEndedBefore)
                .limit(PURGE_BATCH),
            )
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        });
      }
      const events = await inBatches(async () => {
        const result = await db
          .deleteFrom('auth_events')
          .where('id', 'in', (eb) =>
            eb.selectFrom('auth_events').select('id').where('at', '<', eventsBefore).limit(PURGE_BATCH),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
      return { sessions, events };
    },

    async findTotp(userId) {
      const row = await db
        .selectFrom('totp_factors')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? toTotp(row) : null;
    },
    async beginTotp(userId, sealedSecret, now) {
      const result = await db
        .insertInto('totp_factors')
        .values({ user_id: userId, sealed_secret: sealedSecret, created_at: now })
        .onConflict((oc) =>
          oc
            .column('user_id')
            .doUpdateSet({ sealed_secret: sealedSecret, created_at: now, enabled_at: null, last_step: null })
            .where('totp_factors.enabled_at', 'is', null),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async enableTotp(userId, sealedSecret, step, codeHashes, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('totp_factors')
          .set({ enabled_at: now, last_step: step })
          .where('user_id', '=', userId)
          .where('sealed_secret', '=', sealedSecret)
          .where('enabled_at', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        await replaceCodes(trx, userId, codeHashes, now);
        return true;
      });
    },
    async useTotpStep(userId, step) {
      const result = await db
        .updateTable('totp_factors')
        .set({ last_step: step })
        .where('user_id', '=', userId)
        .where('enabled_at', 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async deleteTotp(userId) {
      return db.transaction().execute(async (trx) => {
        const removed = await trx
          .deleteFrom('totp_factors')
          .where('user_id', '=', userId)
          .returning('enabled_at')
          .executeTakeFirst();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        return removed !== undefined && removed.enabled_at !== null;
      });
    },
    async replaceRecoveryCodes(userId, codeHashes, now) {
      await db.transaction().execute((trx) => replaceCodes(trx, userId, codeHashes, now));
    },
    async useRecoveryCode(userId, codeHash, now) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async countRecoveryCodes(userId) {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async createMfaStep(step) {
      await db
        .insertInto('mfa_steps')
        .values({
          token_hash: step.tokenHash,
          user_id: step.userId,
          first_factor: step.firstFactor,
          password_epoch: step.passwordEpoch,
          created_at: step.createdAt,
          expires_at: step.expiresAt,
        })
        .execute();
    },
    async tryMfaStep(tokenHash, now, maxTries) {
      const row = await db
        .updateTable('mfa_steps')
        .set((eb) => ({ tries: eb('tries', '+', 1) }))
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('tries', '<', maxTries)
        .returningAll()
        .executeTakeFirst();
      return row ? toMfaStep(row) : null;
    },
    async finishMfaStep(tokenHash, now) {
      const result = await db
        .updateTable('mfa_steps')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    async createPasskey(p) {
      try {
        await db
          .insertInto('passkeys')
          .values({
            id: p.id,
            user_id: p.userId,
            public_key: p.publicKey,
            counter: p.counter,
            transports: p.transports.length > 0 ? p.transports.join(',') : null,
            device_type: p.deviceType,
            backed_up: bool(p.backedUp),
            aaguid: p.aaguid,
            name: p.name,
            created_at: p.createdAt,
          })
          .execute();
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    async findPasskey(id) {
      if (id.includes('\0')) return null;
      const row = await db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPasskey(row) : null;
    },
    async listPasskeys(userId) {
      const rows = await db
        .selectFrom('passkeys')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toPasskey);
    },
    async usePasskey(id, { expectedCounter, counter, backedUp, now }) {
      const result = await db
        .updateTable('passkeys')
        .set({ counter, backed_up: bool(backedUp), last_used_at: now })
        .where('id', '=', id)
        .where('counter', '=', expectedCounter)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async renamePasskey(userId, id, name) {
      if (id.includes('\0')) return false;
      const result = await db
        .updateTable('passkeys')
        .set({ name })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async deletePasskey(userId, id) {
      if (id.includes('\0')) return false;
      const result = await db
        .deleteFrom('passkeys')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numDeletedRows === 1n;
    },
    async deleteSecondFactors(userId) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('passkeys').where('user_id', '=', userId).execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
      });
    },

    async createChallenge(c) {
      await db
        .insertInto('webauthn_challenges')
        .values({
          challenge: c.challenge,
          purpose: c.purpose,
          user_id: c.userId,
          session_id: c.sessionId,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
        })
        .execute();
    },
    async takeChallenge(challenge, purpose, now) {
      if (challenge.includes('\0')) return null;
      const row = await db
        .deleteFrom('webauthn_challenges')
        .where('challenge', '=', challenge)
        .returningAll()
        .executeTakeFirst();
      // Taken whatever its purpose or age: a challenge is offered once, whoever presents it.
      if (!row || row.purpose !== purpose || row.expires_at <= now) return null;
      return toChallenge(row);
    },

    async setMetaOnce(key, value, now) {
      const result = await db
        .insertInto('meta')
        .values({ key, value, created_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    async getMeta(key) {
      const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value ?? null;
    },

    async close() {
      await db.destroy();
    },
  };
  return reportingOutages(store);
}

async function replaceCodes(trx: Kysely<Database>, userId: string, hashes: readonly string[], now: number) {
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (hashes.length === 0) return;
  await trx
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now })))
    .execute();
}

/** Rows one purge statement deletes at most; it repeats until fewer come back. */
export const PURGE_BATCH = 5000;

async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < PURGE_BATCH) return total;
  }
}

/**
 * Every failure a store method does not map itself (a lost connection, a refused login, a
 * lock held past the busy timeout) becomes UnavailableError: a 503 `temporarily_unavailable`
 * that keeps the user's cookies, never a 500 or a sign-out. The driver's error is the cause.
 */
function reportingOutages(store: Store): Store {
  const guarded = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store) as [
    string,
    (...args: unknown[]) => Promise<unknown>,
  ][]) {
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await method(...args);
      } catch (error) {
        if (isAuthError(error)) throw error;
        throw new UnavailableError('the database did not answer', { cause: error });
      }
    };
  }
  return guarded as unknown as Store;
}

function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  // SQLite's extended result codes; PostgreSQL's SQLSTATE for unique_violation.
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    passwordHash: r.password_hash,
    admin: r.admin === true || r.admin === 1,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
    passwordChangedAt: r.password_changed_at === null ? null : Number(r.password_changed_at),
    revokedBefore: r.revoked_before === null ? null : Number(r.revoked_before),
  };
}

function toSession(r: Selectable<SessionsTable>): Session {
  return {
    id: r.id,
    userId: r.user_id,
    gen: r.gen,
    createdAt: r.created_at,
    rotatedAt: r.rotated_at,
    idleExpiresAt: r.idle_expires_at,
    absoluteExpiresAt: r.absolute_expires_at,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
    userAgent: r.user_agent,
    ip: r.ip,
    amr: parseAmr(r.amr),
  };
}

function toTotp(r: Selectable<TotpFactorsTable>): TotpFactor {
  return {
    userId: r.user_id,
    sealedSecret: r.sealed_secret,
    createdAt: Number(r.created_at),
    enabledAt: r.enabled_at === null ? null : Number(r.enabled_at),
    lastStep: r.last_step === null ? null : Number(r.last_step),
  };
}

function toMfaStep(r: Selectable<MfaStepsTable>): MfaStep {
  return {
    tokenHash: r.token_hash,
    userId: r.user_id,
    firstFactor: r.first_factor,
    passwordEpoch: r.password_epoch === null ? null : Number(r.password_epoch),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    tries: Number(r.tries),
    usedAt: r.used_at === null ? null : Number(r.used_at),
  };
}

function toPasskey(r: Selectable<PasskeysTable>): Passkey {
  return {
    id: r.id,
    userId: r.user_id,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: r.transports ? r.transports.split(',') : [],
    deviceType: r.device_type,
    backedUp: Boolean(r.backed_up),
    aaguid: r.aaguid,
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}

function toChallenge(r: Selectable<WebAuthnChallengesTable>): WebAuthnChallenge {
  return {
    challenge: r.challenge,
    purpose: r.purpose,
    userId: r.user_id,
    sessionId: r.session_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

function toLink(r: Selectable<PasswordLinksTable>): PasswordLink {
  return {
    tokenHash: r.token_hash,
    userId: r.user_id,
    purpose: r.purpose,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: r.used_at === null ? null : Number(r.used_at),
    createdBy: r.created_by,
  };
}

function toEvent(r: Selectable<AuthEventsTable>): StoredEvent {
  return {
    id: Number(r.id),
    actorId: r.actor_id,
    at: r.at,
    type: r.type,
    userId: r.user_id,
    sessionId: r.session_id,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: r.detail,
  };
}
