import { beginMfaStep, needsSecondStep } from './mfa-steps';
import { createHash } from 'node:crypto';
import type { Clock } from '../edge/clock';
import { InvalidLinkError, UnknownUserError } from '../edge/errors';
import { randomId, type RandomBytes } from '../edge/random';
import type { CoreDeps } from './core-deps';
import { setPassword } from './credentials';
import { checkPasswordPolicy } from './password-policy';
import type { RequestMeta, TokenPair } from './sessions';
import {
  USERS_COMMAND_AGENT,
  type PasswordLink,
  type PasswordLinkPurpose,
  type Store,
  type User,
} from './store';

/**
 * One-time links to set a password: resets and invitations (issue 8, part 4).
 *
 * The token is 32 random bytes and only its SHA-256 is stored, so a copy of the database opens
 * no account. Opening the link (check) changes nothing: mail scanners and link previews fetch
 * every URL they see. Only redeem, the form's post, uses it up, and only once the new password
 * has passed the policy and been hashed: a weak password or a busy server leaves it usable.
 */
export interface PasswordLinks {
  /**
   * A new link for this user (ending their earlier unused ones): the URL to hand over, built
   * on AUTH_PUBLIC_URL (or http://localhost:3000), and when it expires (ms since the epoch).
   * `createdBy` is the acting admin's id, null for the users command.
   */
  create(
    userId: string,
    options: { readonly purpose: PasswordLinkPurpose; readonly createdBy: string | null },
  ): Promise<{ readonly url: string; readonly expiresAt: number }>;
  /**
   * Whether the link can be used now, for the form: whose it is and what for. Reads only.
   * InvalidLinkError, one and the same, for a malformed, unknown, used or expired token and for
   * an account that is banned or deleted.
   */
  check(token: string): Promise<UsableLink>;
  /**
   * Sets the new password and signs the person in: every other session of the account ends,
   * with every token issued before now, and its device cookies stop counting. WeakPasswordError
   * (the link stays usable) or InvalidLinkError (nothing changed); of two concurrent redeems of
   * one link exactly one succeeds. For an account with a second factor the password is set
   * and MfaRequiredError is thrown instead of a session: the second step comes first.
   */
  redeem(token: string, newPassword: string, meta: RequestMeta): Promise<TokenPair>;
}

export interface UsableLink {
  readonly username: string;
  readonly purpose: PasswordLinkPurpose;
  readonly expiresAt: number;
}

/** The path the links point at (app/reset-password). */
export const PASSWORD_LINK_PATH = '/reset-password';
const DEFAULT_ORIGIN = 'http://localhost:3000';
const TOKEN_BYTES = 32;
/** 32 bytes in base64url, unpadded: anything else is refused before the database is asked. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What the store keeps instead of the token. A lookup by hash leaks nothing about the token through timing. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface PasswordLinkIssuerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** AUTH_PUBLIC_URL; null: http://localhost:3000. */
  readonly publicUrl: string | null;
  /** Seconds a link stays usable (AUTH_PASSWORD_LINK_TTL). */
  readonly ttl: number;
}

/**
 * Creating links needs no keys, so the users command (which has no AUTH_SECRET) makes them
 * with this alone; createPasswordLinks builds on it. Records `password_link_created` itself,
 * with `createdBy` as the actor, so every way of making a link is audited the same.
 */
export function createPasswordLinkIssuer(deps: PasswordLinkIssuerDeps): Pick<PasswordLinks, 'create'> {
  const { store, clock, random, ttl } = deps;
  const origin = (deps.publicUrl ?? DEFAULT_ORIGIN).replace(/\/+$/, '');
  return {
    async create(userId, { purpose, createdBy }) {
      const user = await store.findUserById(userId);
      if (!user || user.deletedAt !== null) throw new UnknownUserError('no such user');
      const token = randomId(random, TOKEN_BYTES);
      const now = clock();
      const expiresAt = now + ttl * 1000;
      await store.createPasswordLink({
        tokenHash: hashLinkToken(token),
        userId,
        purpose,
        createdAt: now,
        expiresAt,
        createdBy,
      });
      await store.recordEvent({
        at: now,
        type: 'password_link_created',
        userId,
        sessionId: null,
        ip: null,
        // No admin: the users command made it (its events are told apart by this user agent).
        userAgent: createdBy === null ? USERS_COMMAND_AGENT : null,
        detail: purpose,
        actorId: createdBy,
      });
      return { url: `${origin}${PASSWORD_LINK_PATH}?token=${token}`, expiresAt };
    },
  };
}

export function createPasswordLinks(deps: CoreDeps): PasswordLinks {
  const { config, store, hasher, clock, sessions } = deps;
  const issuer = createPasswordLinkIssuer({
    store,
    clock,
    random: deps.random,
    publicUrl: config.publicUrl,
    ttl: config.passwordLinkTtl,
  });

  /**
   * The link and its account, if both can be used now. Cheapest refusals first: the token's
   * shape (no query for garbage), the link's own state, then the account. Every refusal is the
   * same error, so a visitor learns nothing about whose link it was or why it failed.
   */
  async function usable(token: string): Promise<{ link: PasswordLink; user: User }> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw new InvalidLinkError();
    const link = await store.findPasswordLink(hashLinkToken(token));
    if (!link || link.usedAt !== null || clock() >= link.expiresAt) throw new InvalidLinkError();
    const user = await store.findUserById(link.userId);
    if (!user || !isActive(user)) throw new InvalidLinkError();
    return { link, user };
  }

  return {
    create: issuer.create,

    async check(token) {
      const { link, user } = await usable(token);
      return { username: user.username, purpose: link.purpose, expiresAt: link.expiresAt };
    },

    async redeem(token, newPassword, meta) {
      const { link, user } = await usable(token);
      // Policy and hashing before the link is used up: a weak password, or a hasher too busy
      // to take it (ServerBusyError), must leave the link working for the next try.
      checkPasswordPolicy(newPassword, user.username);
      const passwordHash = await hasher.hash(newPassword);
      const now = clock();
      // The single use is this one conditional write: of two redeems, one gets the row.
      if (!(await store.consumePasswordLink(link.tokenHash, now))) throw new InvalidLinkError();
      // Banned or deleted while the password was hashing: the link is spent, nothing else changes.
      const current = await store.findUserById(user.id);
      if (!current || !isActive(current)) throw new InvalidLinkError();
      const { revoked, user: updated } = await setPassword({ store, hasher, clock }, current, newPassword, {
        reason: 'password_reset',
        everywhere: true,
        passwordHash,
      });
      await store.recordEvent({
        at: now,
        type: 'password_reset',
        userId: current.id,
        sessionId: null,
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: `${link.purpose}; ${revoked} session(s) revoked`,
        actorId: null,
      });
      // The link stood in for the password; a second factor the account has still applies.
      if (await needsSecondStep(store, updated))
        return beginMfaStep({ store, clock, random: deps.random }, updated, ['pwd']);
      return sessions.startSessionFor(updated, meta, {
        amr: ['pwd'],
        detail: `password set with a one-time link (${link.purpose})`,
      });
    },
  };
}

const isActive = (user: User) => user.deletedAt === null && user.status === 'active';
