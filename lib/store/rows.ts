import type { AuthEvent, RevokeReason, Session, User } from '../auth/store';

/** Database rows as both stores read them (snake_case columns), and their mapping to the core's types. */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  /** SQLite has no boolean: 0/1 there, true/false in PostgreSQL. */
  admin: boolean | number;
  status: 'active' | 'banned';
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface SessionRow {
  id: string;
  user_id: string;
  gen: number;
  created_at: number;
  rotated_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  revoked_reason: RevokeReason | null;
  user_agent: string | null;
  ip: string | null;
}

export interface EventRow {
  at: number;
  type: AuthEvent['type'];
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

export function toUser(r: UserRow): User {
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
  };
}

export function toSession(r: SessionRow): Session {
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
  };
}

export function toEvent(r: EventRow): AuthEvent {
  return {
    at: r.at,
    type: r.type,
    userId: r.user_id,
    sessionId: r.session_id,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: r.detail,
  };
}
