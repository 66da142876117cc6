import argon2 from 'argon2';

/**
 * Password hashing with argon2id. The `argon2` binding runs on libuv's thread pool, so a
 * 20–50 ms hash never blocks the event loop. Parameters default to OWASP's argon2id baseline
 * (19 MiB, 2 iterations, 1 lane); tests pass cheaper ones.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a hash that is not ours; never throws on bad input. */
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the hash was made with other parameters and should be upgraded on sign-in. */
  needsRehash(hash: string): boolean;
  /**
   * Spends the same time as a real verification against a hash of these parameters. Used
   * for unknown users so that "no such user" and "wrong password" cannot be told apart.
   */
  verifyDummy(password: string): Promise<void>;
}

export interface Argon2Params {
  readonly memoryCost: number; // KiB
  readonly timeCost: number;
  readonly parallelism: number;
}

export const DEFAULT_ARGON2: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Longest password accepted: generous for passphrases, bounded so hashing cost is too. */
export const MAX_PASSWORD_LENGTH = 1024;

export function createArgon2Hasher(params: Argon2Params = DEFAULT_ARGON2): PasswordHasher {
  const options = { type: argon2.argon2id, ...params } as const;
  let dummy: Promise<string> | undefined;

  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    needsRehash(hash) {
      try {
        return argon2.needsRehash(hash, options);
      } catch {
        return true;
      }
    },
    async verifyDummy(password) {
      dummy ??= argon2.hash('gatehouse-dummy-password', options);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
