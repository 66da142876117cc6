import type { ColumnType, Generated } from 'kysely';
import type {
  AuthEventType,
  ChallengePurpose,
  PasskeyDeviceType,
  PasswordLinkPurpose,
  RevokeReason,
  UserStatus,
} from '../auth/store';

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
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  mfa_steps: MfaStepsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebAuthnChallengesTable;
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
  /** Comma-separated RFC 8176 values: how the session was signed in. */
  amr: ColumnType<string, string | undefined, string>;
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

type NullableTime = ColumnType<number | null, number | null | undefined, number | null>;

export interface TotpFactorsTable {
  user_id: string;
  sealed_secret: string;
  created_at: number;
  enabled_at: NullableTime;
  last_step: NullableTime;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: NullableTime;
}

export interface MfaStepsTable {
  token_hash: string;
  user_id: string;
  first_factor: string;
  password_epoch: number | null;
  created_at: number;
  expires_at: number;
  tries: ColumnType<number, number | undefined, number>;
  used_at: NullableTime;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: string;
  counter: number;
  transports: string | null;
  device_type: PasskeyDeviceType;
  backed_up: Bool;
  aaguid: string | null;
  name: string;
  created_at: number;
  last_used_at: NullableTime;
}

export interface WebAuthnChallengesTable {
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  session_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
  created_at: number;
}

export type DialectName = 'sqlite' | 'postgres';
