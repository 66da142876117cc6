import { InvalidNameError } from '../edge/errors';
import { deviceName } from './device-name';

/**
 * What a person calls a passkey ("Work laptop", "YubiKey 5"): shown in their list and the audit
 * trail, so it is plain text of bounded length — trimmed, runs of spaces folded, no control or
 * format characters (a bidi override would make the list lie about what it shows).
 */
export const MAX_PASSKEY_NAME_LENGTH = 64;

const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The cleaned name; InvalidNameError when it is empty, too long or has control characters. */
export function passkeyName(raw: string): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (!name || [...name].length > MAX_PASSKEY_NAME_LENGTH || UNPRINTABLE.test(name)) {
    throw new InvalidNameError(`passkey names are 1–${MAX_PASSKEY_NAME_LENGTH} printable characters`);
  }
  return name;
}

/** A name for a passkey the person did not name: the browser it was added from. */
export function defaultPasskeyName(userAgent: string | null): string {
  if (!userAgent?.trim()) return 'Passkey';
  // A user agent is the client's to write: only its printable characters make the name.
  const name = `Passkey on ${deviceName(userAgent)}`.replace(new RegExp(UNPRINTABLE, 'gu'), '');
  return [...name].length > MAX_PASSKEY_NAME_LENGTH
    ? `${[...name].slice(0, MAX_PASSKEY_NAME_LENGTH - 1).join('')}…`
    : name;
}
