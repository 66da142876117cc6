import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-password and common-word lists shipped by zxcvbn-ts (about 49,000 leaked
 * passwords and 8,000 diceware words), lowercased. Node-side only: the password policy and the
 * AUTH_SECRET check use it; the Edge bundle never imports it. Built once, on first use.
 */
let words: ReadonlySet<string> | undefined;

export function commonWords(): ReadonlySet<string> {
  words ??= new Set(
    [...dictionary['passwords-common'], ...dictionary['diceware-common']].map((w) => w.toLowerCase()),
  );
  return words;
}

/** Just the leaked passwords: what the password policy refuses outright. */
let passwords: ReadonlySet<string> | undefined;

export function commonPasswords(): ReadonlySet<string> {
  passwords ??= new Set(dictionary['passwords-common'].map((w) => w.toLowerCase()));
  return passwords;
}
