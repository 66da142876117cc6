import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { InvalidChallengeError, InvalidRequestError } from '../edge/errors';

/**
 * What a browser sends back from a passkey ceremony, checked for shape before any of it reaches
 * @simplewebauthn/server: every field the library reads is a base64url string of bounded length
 * (or absent where it may be), so the library only ever sees well-formed input and an attacker's
 * JSON — nested objects, numbers, megabytes, prototype tricks — is a 400 that changes nothing.
 * The result is a fresh object with only the fields we know, not the caller's.
 *
 * Nothing here parses CBOR or checks a signature: that is the library's job.
 */

/** The spec caps credential ids at 1023 bytes: 1364 characters of base64url. */
export const MAX_CREDENTIAL_ID_LENGTH = 1364;
/** clientDataJSON is a few hundred bytes; room for extensions and long origins. */
const MAX_CLIENT_DATA_LENGTH = 4096;
/** A "none" attestation object with an RSA key is well under 2 KB; certificates would be more. */
const MAX_ATTESTATION_LENGTH = 12_000;
const MAX_AUTHENTICATOR_DATA_LENGTH = 4096;
const MAX_SIGNATURE_LENGTH = 1024;
/** WebAuthn user handles are at most 64 bytes. */
const MAX_USER_HANDLE_LENGTH = 86;
/** What challenges look like here: 32 random bytes, 43 characters; anything far longer is not ours. */
const MAX_CHALLENGE_LENGTH = 128;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The transports the spec knows; anything else is dropped (the list is stored comma-separated). */
const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64url(value: unknown, name: string, max: number, min = 1): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || !BASE64URL.test(value)) {
    throw new InvalidRequestError(`"${name}" must be base64url of at most ${max} characters`);
  }
  return value;
}

function credentialBasics(value: unknown): { id: string; body: Record<string, unknown> } {
  if (!isRecord(value)) throw new InvalidRequestError('"response" must be the credential as JSON');
  const id = base64url(value.id, 'id', MAX_CREDENTIAL_ID_LENGTH);
  if (value.rawId !== id) throw new InvalidRequestError('"rawId" must equal "id"');
  if (value.type !== 'public-key') throw new InvalidRequestError('"type" must be "public-key"');
  if (!isRecord(value.response)) throw new InvalidRequestError('"response.response" must be an object');
  return { id, body: value.response };
}

function attachment(value: unknown): 'platform' | 'cross-platform' | undefined {
  return value === 'platform' || value === 'cross-platform' ? value : undefined;
}

/** A registration response (navigator.credentials.create, as @simplewebauthn/browser sends it). */
export function parseRegistrationResponse(value: unknown): RegistrationResponseJSON {
  const { id, body } = credentialBasics(value);
  const transports = Array.isArray(body.transports)
    ? body.transports.slice(0, 16).filter((t): t is string => typeof t === 'string' && TRANSPORTS.has(t))
    : [];
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: base64url(body.clientDataJSON, 'clientDataJSON', MAX_CLIENT_DATA_LENGTH),
      attestationObject: base64url(body.attestationObject, 'attestationObject', MAX_ATTESTATION_LENGTH),
      transports: [...new Set(transports)],
    },
    authenticatorAttachment: attachment((value as Record<string, unknown>).authenticatorAttachment),
    // Not read by the verification; never echoed or stored.
    clientExtensionResults: {},
  };
}

/** An authentication response (navigator.credentials.get). */
export function parseAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  const { id, body } = credentialBasics(value);
  const userHandle =
    body.userHandle === undefined || body.userHandle === null
      ? undefined
      : base64url(body.userHandle, 'userHandle', MAX_USER_HANDLE_LENGTH);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: base64url(body.clientDataJSON, 'clientDataJSON', MAX_CLIENT_DATA_LENGTH),
      authenticatorData: base64url(
        body.authenticatorData,
        'authenticatorData',
        MAX_AUTHENTICATOR_DATA_LENGTH,
      ),
      signature: base64url(body.signature, 'signature', MAX_SIGNATURE_LENGTH),
      ...(userHandle ? { userHandle } : {}),
    },
    authenticatorAttachment: attachment((value as Record<string, unknown>).authenticatorAttachment),
    clientExtensionResults: {},
  };
}

/**
 * The challenge the browser signed, read from clientDataJSON (plain JSON): the key to the stored
 * challenge. Not trusted beyond that — the library compares it again with the stored one, along
 * with the type and origin. InvalidChallengeError when there is none.
 */
export function challengeOf(clientDataJSON: string): string {
  let challenge: unknown;
  try {
    const clientData: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    challenge = isRecord(clientData) ? clientData.challenge : undefined;
  } catch {
    throw new InvalidRequestError('"clientDataJSON" is not base64url of JSON');
  }
  if (
    typeof challenge !== 'string' ||
    challenge.length === 0 ||
    challenge.length > MAX_CHALLENGE_LENGTH ||
    !BASE64URL.test(challenge)
  ) {
    throw new InvalidChallengeError();
  }
  return challenge;
}
