import { describe, expect, it } from 'vitest';
import { createArgon2Hasher, DEFAULT_ARGON2 } from './passwords';

describe('argon2id password hasher', () => {
  const hasher = createArgon2Hasher();

  it('hashes with argon2id at the OWASP baseline and verifies', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(DEFAULT_ARGON2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'Correct horse')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it('answers false, never throws, for hashes that are not argon2', async () => {
    expect(await hasher.verify('not-a-hash', 'x')).toBe(false);
    expect(await hasher.verify('', 'x')).toBe(false);
    expect(hasher.needsRehash('not-a-hash')).toBe(true);
    await expect(hasher.verifyDummy('anything')).resolves.toBeUndefined();
  });

  it('does not block the event loop while hashing', async () => {
    // If hashing ran on the main thread, no timer could fire before it finished.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await Promise.all([hasher.hash('a'), hasher.hash('b'), hasher.verifyDummy('c')]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
