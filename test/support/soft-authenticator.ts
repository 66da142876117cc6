import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator, for tests only: real ES256 keys (node:crypto), real
 * authenticator data, "none" attestation objects and signed assertions, so the server's
 * @simplewebauthn/server checks run on genuine responses without a browser. Every part a test
 * may want to get wrong — origin, RP id, flags, counter, challenge, ceremony type — can be
 * overridden per call.
 *
 * The tiny CBOR encoder below handles what a "none" attestation object and a COSE key need
 * (maps, byte and text strings, small integers). Production code never encodes or parses CBOR:
 * the library does.
 */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(length, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('integers only');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

/** What a single call may falsify. */
export interface Overrides {
  readonly origin?: string;
  readonly rpId?: string;
  readonly challenge?: string;
  readonly type?: string;
  readonly userPresent?: boolean;
  readonly userVerified?: boolean;
  readonly backupEligible?: boolean;
  readonly backedUp?: boolean;
  /** The counter to report, instead of the next one. */
  readonly counter?: number;
  /** The user handle to report (sign-in); null for none. */
  readonly userHandle?: string | null;
}

export interface Credential {
  readonly id: Buffer;
  readonly privateKey: KeyObject;
  readonly cosePublicKey: Buffer;
  readonly rpId: string;
  /** base64url, as the options gave it. */
  readonly userHandle: string;
  /** The signature counter; stays 0 for an authenticator that does not count. */
  counter: number;
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  readonly origin: string;
  /** Synced passkeys (backup eligible and backed up), as a platform's password manager makes. */
  readonly synced?: boolean;
  /** Whether the signature counter counts (security keys) or stays 0 (most synced passkeys). */
  readonly counts?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(private readonly options: SoftAuthenticatorOptions) {}

  /** The credential last made, for tests that clone or inspect it. */
  get last(): Credential {
    const credential = this.credentials.at(-1);
    if (!credential) throw new Error('no credential yet');
    return credential;
  }

  private flags(o: Overrides, extra = 0): number {
    const synced = this.options.synced ?? false;
    let flags = extra;
    if (o.userPresent ?? true) flags |= FLAGS.UP;
    if (o.userVerified ?? true) flags |= FLAGS.UV;
    if (o.backupEligible ?? synced) flags |= FLAGS.BE;
    if (o.backedUp ?? synced) flags |= FLAGS.BS;
    return flags;
  }

  private clientData(type: string, challenge: string, o: Overrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: o.type ?? type,
        challenge: o.challenge ?? challenge,
        origin: o.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  /**
   * navigator.credentials.create(), answered as @simplewebauthn/browser would send it: a new
   * key pair, or `reuse`'s (an authenticator holding a copied key).
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    o: Overrides = {},
    reuse?: Credential,
  ): RegistrationResponseJSON {
    const rpId = o.rpId ?? options.rp.id!;
    const counter = o.counter ?? (this.options.counts ? 1 : 0);
    const credential: Credential = reuse
      ? { ...reuse, counter }
      : { ...newKey(), id: randomBytes(16), rpId, userHandle: options.user.id, counter };
    const { id, cosePublicKey } = credential;
    const idLength = Buffer.from([id.length >> 8, id.length & 0xff]);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(o, FLAGS.AT)]),
      u32(counter),
      Buffer.alloc(16), // AAGUID: all zeroes, as "none" attestation allows
      idLength,
      id,
      cosePublicKey,
    ]);
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, o)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get() with `credential` (the last one made, by default). */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    o: Overrides = {},
    credential: Credential = this.last,
  ): AuthenticationResponseJSON {
    if (o.counter === undefined && this.options.counts) credential.counter++;
    const counter = o.counter ?? credential.counter;
    const authData = Buffer.concat([
      sha256(o.rpId ?? credential.rpId),
      Buffer.from([this.flags(o)]),
      u32(counter),
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, o);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    const userHandle = o.userHandle === undefined ? credential.userHandle : o.userHandle;
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** Another authenticator holding a copy of this one's key and counter: a clone. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator(this.options);
    for (const c of this.credentials) copy.credentials.push({ ...c });
    return copy;
  }
}

function newKey(): Pick<Credential, 'privateKey' | 'cosePublicKey'> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cosePublicKey = cbor(
    new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
  return { privateKey, cosePublicKey };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
