import type { ColumnType, Generated } from 'kysely';
import type { AuthEventType, PasswordLinkPurpose, RevokeReason, UserStatus } from '../auth/store';

/**
 * The tables as Kysely sees them (snake_case, as in the DDL of migrations/0001_initial.ts).
 * Times are epoch milliseconds: INTEGER in SQLite, BIGINT in PostgreSQL (parsed back to numbers
 * by lib/store/postgres.ts).
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  auth_events: AuthEventsTable;
  meta: MetaTable;
  password_links: PasswordLinksTable;
}

/** SQLite has no boolean type: 0/1 there, true/false in PostgreSQL (see `Dialect.bool`). */
type Bool = ColumnType<boolean | number, boolean | number, boolean | number>;

export interface UsersTable {
  id: string;
  username: string;
  username_key: string;
  display_name: string;
  password_hash: string;
  admin: Bool;
  status: ColumnType<UserStatus, UserStatus | undefined, UserStatus>;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  password_changed_at: ColumnType<number | null, number | null | undefined, number | null>;
  revoked_before: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  gen: number;
  created_at: number;
  rotated_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: ColumnType<number | null, number | null | undefined, number | null>;
  revoked_reason: ColumnType<RevokeReason | null, RevokeReason | null | undefined, RevokeReason | null>;
  user_agent: string | null;
  ip: string | null;
}

export interface AuthEventsTable {
  id: Generated<number>;
  at: number;
  type: AuthEventType;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
  actor_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PasswordLinksTable {
  token_hash: string;
  user_id: string;
  purpose: PasswordLinkPurpose;
  created_at: number;
  expires_at: number;
  used_at: ColumnType<number | null, number | null | undefined, number | null>;
  created_by: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
  created_at: number;
}

export type DialectName = 'sqlite' | 'postgres';
