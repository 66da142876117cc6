import type { Migration } from 'kysely';

/**
 * Indexes for Store.purge: without them each purge reads every session and every audit event,
 * the tables it exists to keep small. One per way a session ends, as the purge asks for each
 * in turn. The revocation index leaves out live sessions (revoked_at NULL): they are most rows,
 * and "live sessions of a user" is the user_id index's to answer.
 */
export const housekeepingIndexes: Migration = {
  async up(db) {
    await db.schema
      .createIndex('sessions_idle_expires_at')
      .on('sessions')
      .column('idle_expires_at')
      .execute();
    await db.schema
      .createIndex('sessions_absolute_expires_at')
      .on('sessions')
      .column('absolute_expires_at')
      .execute();
    await db.schema
      .createIndex('sessions_revoked_at')
      .on('sessions')
      .column('revoked_at')
      .where('revoked_at', 'is not', null)
      .execute();
    await db.schema.createIndex('auth_events_at').on('auth_events').column('at').execute();
  },
};
