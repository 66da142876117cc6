import { describe, expect, it } from 'vitest';
import { WeakPasswordError } from '../edge/errors';
import { checkPasswordPolicy, MIN_PASSWORD_LENGTH } from './password-policy';
import { MAX_PASSWORD_LENGTH } from './passwords';

const refuse = (password: string, message: RegExp, username = 'carol') => {
  let error: unknown;
  try {
    checkPasswordPolicy(password, username);
  } catch (e) {
    error = e;
  }
  expect(error, JSON.stringify(password)).toBeInstanceOf(WeakPasswordError);
  expect((error as WeakPasswordError).code).toBe('weak_password');
  expect((error as Error).message).toMatch(message);
};

describe('password policy', () => {
  it.each([
    ['too short', 'abc123', /at least 8/],
    ['eight spaces', ' '.repeat(8), /at least 8/],
    ['padded with spaces', '  abc1  ', /at least 8/],
    ['too long', 'x'.repeat(MAX_PASSWORD_LENGTH + 1), /at most 1024/],
    ['common: password', 'password', /common passwords/],
    ['common, other case', 'PassWord', /common passwords/],
    ['common: 12345678', '12345678', /common passwords/],
    ['common: iloveyou', 'iloveyou', /common passwords/],
    ['common: qwertyuiop', 'qwertyuiop', /common passwords/],
  ])('refuses %s', (_label, password, message) => refuse(password, message));

  it('refuses the username, in any case or width', () => {
    refuse('carol-danvers', /must not be the username/, 'Carol-Danvers');
    refuse('ｃａｒｏｌｄａｎｖｅｒｓ', /must not be the username/, 'caroldanvers');
  });

  it('accepts a reasonable passphrase and the minimum length', () => {
    expect(() => checkPasswordPolicy('correct horse battery staple', 'carol')).not.toThrow();
    expect(() => checkPasswordPolicy('v8#Lq2!z'.slice(0, MIN_PASSWORD_LENGTH), 'carol')).not.toThrow();
    expect(() => checkPasswordPolicy('ünïcødé-pässwörd', 'carol')).not.toThrow();
  });
});
