import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, type TestRig } from '../../test/helpers';
import { SoftAuthenticator, type Overrides } from '../../test/support/soft-authenticator';
import {
  ConflictError,
  InvalidChallengeError,
  InvalidCredentialsError,
  InvalidNameError,
  InvalidPasskeyError,
  InvalidRequestError,
  NotFoundError,
  ReauthenticationRequiredError,
  TooManyAttemptsError,
} from '../edge/errors';
import type { SignedIn } from './gatehouse';
import { CHALLENGE_TTL, MAX_PASSKEYS } from './passkeys';
import { PasskeysNotConfiguredError } from '../edge/errors';
import type { AuthEvent, AuthEventType } from './store';

const ORIGIN = 'https://auth.example.com';
const MIN = 60_000;
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const META = { ip: '198.51.100.7', userAgent: CHROME_MAC } as const;
const noCookies = () => undefined;

/** What rejects, for asserting on its class and fields. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );

describe('passkeys', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({
      AUTH_PUBLIC_URL: ORIGIN,
      AUTH_ACCESS_TTL: '900',
      AUTH_REFRESH_TTL: '3600',
      AUTH_THROTTLE_REFRESH: '5',
    });
    await rig.addUser('jon', { name: 'Jon Doe' });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  const passkeys = () => rig.gh.passkeys;

  async function signIn(username = 'jon'): Promise<SignedIn> {
    const pair = await rig.gh.sessions.login(username, 'password', META);
    return (await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` })))!;
  }

  /** Adds a passkey made by `authenticator` to the signed-in user's account. */
  async function add(who: SignedIn, authenticator: SoftAuthenticator, o: Overrides = {}, name?: string) {
    const options = await passkeys().registrationOptions(who, undefined, META, noCookies);
    return passkeys().register(who, authenticator.register(options, o), name, META);
  }

  async function passkeySignIn(authenticator: SoftAuthenticator, o: Overrides = {}) {
    const options = await passkeys().authenticationOptions(META);
    return passkeys().authenticate(authenticator.authenticate(options, o), META);
  }

  /** Newest first. */
  const events = (type: AuthEventType): Promise<AuthEvent[]> => rig.store.listEvents({ type });

  describe('adding a passkey', () => {
    it('asks for options bound to this site and account, and stores the passkey it verifies', async () => {
      const jon = await signIn();
      const options = await passkeys().registrationOptions(jon, undefined, META, noCookies);
      expect(options).toMatchObject({
        rp: { id: 'auth.example.com', name: 'Gatehouse' },
        user: { name: 'jon', displayName: 'Jon Doe', id: Buffer.from(jon.user.id).toString('base64url') },
        attestation: 'none',
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        excludeCredentials: [],
      });
      // EdDSA, ES256, RS256 on every Node: never the library's ML-DSA default of runtimes that have it.
      expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-8, -7, -257]);
      expect(options.timeout).toBeGreaterThan(0);

      const soft = new SoftAuthenticator({ origin: ORIGIN });
      const added = await passkeys().register(jon, soft.register(options), '  Work   laptop ', META);
      expect(added).toEqual({
        id: soft.last.id.toString('base64url'),
        name: 'Work laptop',
        createdAt: rig.clock(),
        lastUsedAt: null,
        synced: false,
        backedUp: false,
      });
      expect(await passkeys().list(jon)).toEqual([added]);
      expect(await rig.store.findPasskey(added.id)).toMatchObject({
        userId: jon.user.id,
        counter: 0,
        transports: ['internal'],
        deviceType: 'singleDevice',
        aaguid: '00000000-0000-0000-0000-000000000000',
      });
      expect(await events('passkey_added')).toMatchObject([
        { userId: jon.user.id, sessionId: jon.session.id, detail: '"Work laptop" (device-bound)' },
      ]);

      // The next options exclude it, so the same authenticator is not registered twice.
      const again = await passkeys().registrationOptions(jon, undefined, META, noCookies);
      expect(again.excludeCredentials).toEqual([
        { id: added.id, transports: ['internal'], type: 'public-key' },
      ]);
    });

    it('names an unnamed passkey after the browser, and refuses names that are not plain text', async () => {
      const jon = await signIn();
      expect(await add(jon, new SoftAuthenticator({ origin: ORIGIN }))).toMatchObject({
        name: 'Passkey on Chrome 131 on macOS',
      });
      for (const name of ['x'.repeat(65), 'evil\u202Egnp.exe', 'a\u0000b']) {
        const options = await passkeys().registrationOptions(jon, undefined, META, noCookies);
        const response = new SoftAuthenticator({ origin: ORIGIN }).register(options);
        expect(await failure(passkeys().register(jon, response, name, META))).toBeInstanceOf(
          InvalidNameError,
        );
        // Refused before the challenge was spent: the same answer with a good name still works.
        await expect(passkeys().register(jon, response, 'Fine', META)).resolves.toMatchObject({
          name: 'Fine',
        });
      }
    });

    it('needs a sign-in younger than five minutes or the password again', async () => {
      const jon = await signIn();
      rig.clock.advance(5 * MIN + 1000);
      expect(await failure(passkeys().registrationOptions(jon, undefined, META, noCookies))).toBeInstanceOf(
        ReauthenticationRequiredError,
      );
      expect(await failure(passkeys().registrationOptions(jon, 'wrong', META, noCookies))).toBeInstanceOf(
        InvalidCredentialsError,
      );
      const options = await passkeys().registrationOptions(jon, 'password', META, noCookies);
      await expect(
        passkeys().register(jon, new SoftAuthenticator({ origin: ORIGIN }).register(options), 'Key', META),
      ).resolves.toMatchObject({ name: 'Key' });
    });

    it("refuses another user's or another session's challenge, and spends it", async () => {
      const jon = await signIn();
      const jonElsewhere = await signIn();
      const ada = await signIn('ada');
      const soft = new SoftAuthenticator({ origin: ORIGIN });

      const adas = await passkeys().registrationOptions(ada, undefined, META, noCookies);
      const response = soft.register(adas);
      expect(await failure(passkeys().register(jon, response, undefined, META))).toBeInstanceOf(
        InvalidChallengeError,
      );
      // Taken by the first response that named it: Ada's own answer is now refused too.
      expect(await failure(passkeys().register(ada, response, undefined, META))).toBeInstanceOf(
        InvalidChallengeError,
      );

      const jons = await passkeys().registrationOptions(jon, undefined, META, noCookies);
      expect(
        await failure(passkeys().register(jonElsewhere, soft.register(jons), undefined, META)),
      ).toBeInstanceOf(InvalidChallengeError);
      expect(await rig.store.listPasskeys(jon.user.id)).toEqual([]);
      expect(await rig.store.listPasskeys(ada.user.id)).toEqual([]);
      expect((await events('passkey_failed')).map((e) => e.detail)).toContain(
        'adding a passkey: the challenge was given to another session',
      );
    });

    it('refuses a wrong origin, a wrong RP id, and a missing user verification', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      for (const o of [
        { origin: 'https://evil.example.com' },
        { origin: 'http://auth.example.com' },
        { rpId: 'evil.example.com' },
        { userVerified: false },
        { userPresent: false },
        { type: 'webauthn.get' },
      ]) {
        expect(await failure(add(jon, soft, o)), JSON.stringify(o)).toBeInstanceOf(InvalidPasskeyError);
      }
      expect(await rig.store.listPasskeys(jon.user.id)).toEqual([]);
    });

    it('refuses a challenge made for signing in', async () => {
      const jon = await signIn();
      const forSignIn = await passkeys().authenticationOptions(META);
      const registration = await passkeys().registrationOptions(jon, undefined, META, noCookies);
      const response = new SoftAuthenticator({ origin: ORIGIN }).register({
        ...registration,
        challenge: forSignIn.challenge,
      });
      expect(await failure(passkeys().register(jon, response, undefined, META))).toBeInstanceOf(
        InvalidChallengeError,
      );
    });

    it("refuses an id other than the attested one, and another account's credential", async () => {
      const jon = await signIn();
      const ada = await signIn('ada');
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      const jons = await add(jon, soft);

      // Ada's answer names Jon's credential id while attesting a key of her own.
      const answer = soft.register(await passkeys().registrationOptions(ada, undefined, META, noCookies));
      const renamed = { ...answer, id: jons.id, rawId: jons.id };
      expect(await failure(passkeys().register(ada, renamed, undefined, META))).toBeInstanceOf(
        InvalidPasskeyError,
      );

      // Ada's authenticator holding a copy of Jon's key registers it for her: it stays Jon's.
      const copy = soft.register(
        await passkeys().registrationOptions(ada, undefined, META, noCookies),
        {},
        soft.credentials[0],
      );
      expect(await failure(passkeys().register(ada, copy, undefined, META))).toBeInstanceOf(ConflictError);
      expect(await rig.store.listPasskeys(ada.user.id)).toEqual([]);
      expect((await rig.store.findPasskey(jons.id))!.userId).toBe(jon.user.id);
      expect((await events('passkey_failed')).at(0)).toMatchObject({
        userId: ada.user.id,
        detail: 'adding a passkey: registered already',
      });
    });

    it('refuses the same credential twice (the database keeps one owner per credential id)', async () => {
      const jon = await signIn();
      const ada = await signIn('ada');
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      const added = await add(jon, soft);
      const stored = (await rig.store.findPasskey(added.id))!;
      expect(await rig.store.createPasskey({ ...stored, userId: ada.user.id, name: 'mine now' })).toBe(false);
      expect((await rig.store.findPasskey(added.id))!.userId).toBe(jon.user.id);
    });

    it(`allows ${MAX_PASSKEYS} passkeys per account`, async () => {
      const jon = await signIn();
      for (let i = 0; i < MAX_PASSKEYS; i++) {
        await rig.store.createPasskey({
          id: `key${i}`,
          userId: jon.user.id,
          publicKey: 'AA',
          counter: 0,
          transports: [],
          deviceType: 'singleDevice',
          backedUp: false,
          aaguid: null,
          name: `Key ${i}`,
          createdAt: rig.clock(),
        });
      }
      expect(await failure(passkeys().registrationOptions(jon, undefined, META, noCookies))).toBeInstanceOf(
        ConflictError,
      );
    });
  });

  describe('signing in with a passkey', () => {
    it('starts a session exactly like a password sign-in, with amr saying how', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      const added = await add(jon, soft);
      rig.clock.advance(MIN);

      const options = await passkeys().authenticationOptions(META);
      expect(options).toMatchObject({
        rpId: 'auth.example.com',
        userVerification: 'required',
        allowCredentials: [],
      });
      const pair = await passkeys().authenticate(soft.authenticate(options), META);

      expect(pair).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { id: jon.user.id, username: 'jon' },
      });
      expect(decodeJwt(pair.accessToken)).toMatchObject({ sub: jon.user.id, amr: ['hwk', 'user', 'mfa'] });
      const who = await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` }));
      expect(who!.session).toMatchObject({ id: pair.sessionId, amr: ['hwk', 'user', 'mfa'] });
      expect(await rig.store.findSession(pair.sessionId)).toMatchObject({
        userId: jon.user.id,
        amr: ['hwk', 'user', 'mfa'],
        ip: META.ip,
        userAgent: CHROME_MAC,
      });
      const logins = await events('login_ok');
      expect(logins.at(0)).toMatchObject({ sessionId: pair.sessionId, detail: 'passkey (device-bound)' });
      expect(await passkeys().list(jon)).toEqual([{ ...added, lastUsedAt: rig.clock() }]);

      // The refresh token rotates as any other.
      const refreshed = await rig.gh.sessions.refresh(pair.refreshToken, META);
      expect(decodeJwt(refreshed.accessToken)).toMatchObject({
        sid: pair.sessionId,
        amr: ['hwk', 'user', 'mfa'],
      });
    });

    it('counts as both factors: an account with an authenticator app gets no second step', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      await rig.store.beginTotp(jon.user.id, 'sealed', rig.clock());
      expect(await rig.store.enableTotp(jon.user.id, 'sealed', 1, [], rig.clock())).toBe(true);
      // A password alone now stops at the second step…
      expect(await failure(rig.gh.sessions.login('jon', 'password', META))).toMatchObject({
        code: 'mfa_required',
      });
      // …a passkey with user verification does not.
      const pair = await passkeySignIn(soft);
      expect(decodeJwt(pair.accessToken).amr).toEqual(['hwk', 'user', 'mfa']);
    });

    it('says swk for a synced passkey, and stores the backup state it reports', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN, synced: true });
      const added = await add(jon, soft, { backedUp: false });
      expect(added).toMatchObject({ synced: true, backedUp: false });
      const pair = await passkeySignIn(soft);
      expect(decodeJwt(pair.accessToken).amr).toEqual(['swk', 'user', 'mfa']);
      expect((await events('login_ok')).at(0)!.detail).toBe('passkey (synced)');
      expect(await rig.store.findPasskey(added.id)).toMatchObject({
        backedUp: true,
        deviceType: 'multiDevice',
      });
    });

    it('uses a challenge once', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN, counts: true });
      await add(jon, soft);
      const options = await passkeys().authenticationOptions(META);
      const response = soft.authenticate(options);
      await passkeys().authenticate(response, META);
      // The same response again (a replay), and a fresh signature over the same challenge.
      expect(await failure(passkeys().authenticate(response, META))).toBeInstanceOf(InvalidChallengeError);
      expect(await failure(passkeys().authenticate(soft.authenticate(options), META))).toBeInstanceOf(
        InvalidChallengeError,
      );
      // A challenge spent by a response that failed is spent all the same.
      const next = await passkeys().authenticationOptions(META);
      expect(
        await failure(passkeys().authenticate(soft.authenticate(next, { userVerified: false }), META)),
      ).toBeInstanceOf(InvalidPasskeyError);
      expect(await failure(passkeys().authenticate(soft.authenticate(next), META))).toBeInstanceOf(
        InvalidChallengeError,
      );
    });

    it('refuses a challenge made for adding a passkey', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      const registration = await passkeys().registrationOptions(jon, undefined, META, noCookies);
      const options = await passkeys().authenticationOptions(META);
      expect(
        await failure(
          passkeys().authenticate(soft.authenticate({ ...options, challenge: registration.challenge }), META),
        ),
      ).toBeInstanceOf(InvalidChallengeError);
    });

    it(`refuses a challenge older than ${CHALLENGE_TTL} seconds`, async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      const fresh = await passkeys().authenticationOptions(META);
      rig.clock.advance(CHALLENGE_TTL * 1000 - 1);
      await expect(passkeys().authenticate(soft.authenticate(fresh), META)).resolves.toMatchObject({
        user: { id: jon.user.id },
      });
      const old = await passkeys().authenticationOptions(META);
      rig.clock.advance(CHALLENGE_TTL * 1000);
      expect(await failure(passkeys().authenticate(soft.authenticate(old), META))).toBeInstanceOf(
        InvalidChallengeError,
      );
    });

    it('refuses a cloned authenticator (a counter that does not grow) and audits it', async () => {
      const jon = await signIn();
      const original = new SoftAuthenticator({ origin: ORIGIN, counts: true });
      const added = await add(jon, original);
      const clone = original.clone();
      await passkeySignIn(original); // counter 2
      await passkeySignIn(original); // counter 3
      expect((await rig.store.findPasskey(added.id))!.counter).toBe(3);

      const error = await failure(passkeySignIn(clone)); // counter 2 again
      expect(error).toBeInstanceOf(InvalidPasskeyError);
      expect((await events('passkey_failed')).at(0)).toMatchObject({
        userId: jon.user.id,
        detail: 'sign-in: signature counter went from 3 to 2: a cloned authenticator?',
      });
      // An equal counter is no better; the stored one did not move.
      expect(await failure(passkeySignIn(original, { counter: 3 }))).toBeInstanceOf(InvalidPasskeyError);
      expect((await rig.store.findPasskey(added.id))!.counter).toBe(3);
      await expect(passkeySignIn(original)).resolves.toMatchObject({ user: { id: jon.user.id } });
    });

    it('does not call a forged response with a low counter a clone: its signature fails first', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN, counts: true });
      await add(jon, soft);
      await passkeySignIn(soft);
      const options = await passkeys().authenticationOptions(META);
      const response = soft.authenticate(options, { counter: 0 });
      const forged = {
        ...response,
        response: { ...response.response, signature: soft.authenticate(options).response.signature },
      };
      expect(await failure(passkeys().authenticate(forged, META))).toBeInstanceOf(InvalidPasskeyError);
      expect((await events('passkey_failed')).at(0)!.detail).toBe('sign-in: response did not verify');
    });

    it('lets one of two sign-ins with the same counter value win', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN, counts: true });
      await add(jon, soft);
      const [a, b] = [
        await passkeys().authenticationOptions(META),
        await passkeys().authenticationOptions(META),
      ];
      const results = await Promise.allSettled([
        passkeys().authenticate(soft.authenticate(a), META),
        passkeys().authenticate(soft.authenticate(b), META),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(InvalidPasskeyError);
    });

    it('refuses a passkey that changes between device-bound and synced', async () => {
      const jon = await signIn();
      const bound = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, bound);
      expect(await failure(passkeySignIn(bound, { backupEligible: true }))).toBeInstanceOf(
        InvalidPasskeyError,
      );
      expect((await events('passkey_failed')).at(0)!.detail).toBe(
        'sign-in: backup eligibility changed (registered singleDevice, now multiDevice)',
      );
      const synced = new SoftAuthenticator({ origin: ORIGIN, synced: true });
      await add(jon, synced);
      expect(await failure(passkeySignIn(synced, { backupEligible: false, backedUp: false }))).toBeInstanceOf(
        InvalidPasskeyError,
      );
      // Backed up without being backup eligible is impossible: refused by the library.
      expect(await failure(passkeySignIn(bound, { backedUp: true }))).toBeInstanceOf(InvalidPasskeyError);
      // Nothing stored changed.
      expect((await rig.store.listPasskeys(jon.user.id)).map((p) => p.lastUsedAt)).toEqual([null, null]);
    });

    it('refuses a wrong origin, a wrong RP id, no user verification, or a wrong ceremony type', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      for (const o of [
        { origin: 'https://evil.example.com' },
        { origin: 'https://auth.example.com:8443' },
        { rpId: 'example.com' },
        { userVerified: false },
        { userPresent: false, userVerified: false },
        { type: 'webauthn.create' },
      ]) {
        expect(await failure(passkeySignIn(soft, o)), JSON.stringify(o)).toBeInstanceOf(InvalidPasskeyError);
      }
    });

    it('refuses an unknown passkey, a removed one, and one whose user handle is not its account', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      const stranger = new SoftAuthenticator({ origin: ORIGIN });
      // Made for this site, never registered here.
      stranger.register(await passkeys().registrationOptions(jon, undefined, META, noCookies));
      const unknown = await failure(passkeySignIn(stranger));
      expect(unknown).toBeInstanceOf(InvalidPasskeyError);
      expect((unknown as Error).message).toBe('this passkey is not registered (any more)');
      expect((await events('passkey_failed')).at(0)).toMatchObject({
        userId: null,
        detail: 'sign-in: unknown passkey',
      });

      const added = await add(jon, soft);
      const ada = await signIn('ada');
      expect(
        await failure(passkeySignIn(soft, { userHandle: Buffer.from(ada.user.id).toString('base64url') })),
      ).toBeInstanceOf(InvalidPasskeyError);
      // No user handle at all is fine (only a wrong one is not).
      await expect(passkeySignIn(soft, { userHandle: null })).resolves.toMatchObject({
        user: { id: jon.user.id },
      });

      await passkeys().remove(jon, added.id, undefined, META, noCookies);
      expect(await failure(passkeySignIn(soft))).toBeInstanceOf(InvalidPasskeyError);
    });

    it("refuses a banned or deleted account's passkey", async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      await rig.store.updateUser(jon.user.id, { status: 'banned' }, rig.clock());
      expect(await failure(passkeySignIn(soft))).toBeInstanceOf(InvalidPasskeyError);
      expect((await events('passkey_failed')).at(0)).toMatchObject({
        userId: jon.user.id,
        detail: 'sign-in: account disabled',
      });
    });

    it('refuses malformed responses with a 400 that spends nothing', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      const options = await passkeys().authenticationOptions(META);
      const good = soft.authenticate(options);
      const bad: unknown[] = [
        null,
        'text',
        [],
        { ...good, id: 42 },
        { ...good, rawId: 'other' },
        { ...good, type: 'password' },
        { ...good, response: 'x' },
        { ...good, response: { ...good.response, signature: { $gt: '' } } },
        { ...good, response: { ...good.response, authenticatorData: 'not base64url!' } },
        { ...good, response: { ...good.response, clientDataJSON: 'x'.repeat(5000) } },
        { ...good, id: 'A'.repeat(2000), rawId: 'A'.repeat(2000) },
      ];
      // Each from an address of its own, so the per-address count stays out of the way.
      let n = 0;
      const from = () => ({ ...META, ip: `203.0.113.${++n}` });
      for (const input of bad) {
        expect(
          await failure(passkeys().authenticate(input, from())),
          JSON.stringify(input)?.slice(0, 80),
        ).toBeInstanceOf(InvalidRequestError);
      }
      // clientDataJSON that is not JSON, or has no usable challenge.
      const garbage = {
        ...good,
        response: { ...good.response, clientDataJSON: Buffer.from('{').toString('base64url') },
      };
      expect(await failure(passkeys().authenticate(garbage, from()))).toBeInstanceOf(InvalidRequestError);
      const noChallenge = {
        ...good,
        response: { ...good.response, clientDataJSON: Buffer.from('{"challenge":7}').toString('base64url') },
      };
      expect(await failure(passkeys().authenticate(noChallenge, from()))).toBeInstanceOf(
        InvalidChallengeError,
      );
      // The good one still works: none of the above took its challenge.
      await expect(passkeys().authenticate(good, META)).resolves.toMatchObject({ user: { id: jon.user.id } });
    });

    it('counts refusals per address and answers 429 past the limit, before looking at anything', async () => {
      const jon = await signIn();
      const soft = new SoftAuthenticator({ origin: ORIGIN });
      await add(jon, soft);
      // AUTH_THROTTLE_REFRESH=5: more than five failures within ten minutes, and the address waits.
      for (let i = 0; i < 6; i++) {
        expect(await failure(passkeys().authenticate({ junk: i }, META))).toBeInstanceOf(InvalidRequestError);
      }
      const options = await passkeys().authenticationOptions(META);
      expect(await failure(passkeys().authenticate(soft.authenticate(options), META))).toBeInstanceOf(
        TooManyAttemptsError,
      );
      // Another address is not affected, and the challenge was not spent by the refusal.
      await expect(
        passkeys().authenticate(soft.authenticate(options), { ...META, ip: '203.0.113.9' }),
      ).resolves.toMatchObject({ user: { id: jon.user.id } });
      expect(await events('passkey_failed')).toHaveLength(6);
      // Counted apart from failed refreshes: an address that sent dead refresh tokens still signs in.
      const stale = { ...META, ip: '203.0.113.50' };
      for (let i = 0; i < 7; i++) await failure(rig.gh.sessions.refresh('dead', stale));
      const fresh = await passkeys().authenticationOptions(stale);
      await expect(passkeys().authenticate(soft.authenticate(fresh), stale)).resolves.toMatchObject({
        user: { id: jon.user.id },
      });
    });
  });

  describe('managing passkeys', () => {
    it('renames and removes only the caller’s own passkeys, and audits both', async () => {
      const jon = await signIn();
      const ada = await signIn('ada');
      const added = await add(jon, new SoftAuthenticator({ origin: ORIGIN }), {}, 'Laptop');

      for (const id of [added.id, 'unknown', 'bad\u0000id', 'x'.repeat(3000)]) {
        expect(await failure(passkeys().rename(ada, id, 'Mine', META))).toBeInstanceOf(NotFoundError);
        expect(await failure(passkeys().remove(ada, id, undefined, META, noCookies))).toBeInstanceOf(
          NotFoundError,
        );
      }
      expect(await failure(passkeys().rename(jon, added.id, '   ', META))).toBeInstanceOf(InvalidNameError);

      await expect(passkeys().rename(jon, added.id, 'Work laptop', META)).resolves.toMatchObject({
        name: 'Work laptop',
      });
      expect((await passkeys().list(jon)).map((p) => p.name)).toEqual(['Work laptop']);
      await passkeys().remove(jon, added.id, undefined, META, noCookies);
      expect(await passkeys().list(jon)).toEqual([]);
      expect(await failure(passkeys().remove(jon, added.id, undefined, META, noCookies))).toBeInstanceOf(
        NotFoundError,
      );
      expect((await events('passkey_renamed')).map((e) => e.detail)).toEqual([
        '"Laptop" renamed "Work laptop"',
      ]);
      expect(await events('passkey_removed')).toMatchObject([
        { userId: jon.user.id, sessionId: jon.session.id, detail: '"Work laptop"' },
      ]);
    });

    it('removing needs a recent sign-in or the password again', async () => {
      const jon = await signIn();
      const added = await add(jon, new SoftAuthenticator({ origin: ORIGIN }));
      rig.clock.advance(6 * MIN);
      expect(await failure(passkeys().remove(jon, added.id, undefined, META, noCookies))).toBeInstanceOf(
        ReauthenticationRequiredError,
      );
      expect(await failure(passkeys().remove(jon, added.id, 'nope', META, noCookies))).toBeInstanceOf(
        InvalidCredentialsError,
      );
      await passkeys().remove(jon, added.id, 'password', META, noCookies);
      expect(await passkeys().list(jon)).toEqual([]);
    });

    it('refuses a session that has ended', async () => {
      const jon = await signIn();
      await rig.store.revokeSession(jon.session.id, 'user', rig.clock());
      expect(await failure(passkeys().list(jon))).toMatchObject({ code: 'invalid_token' });
      expect(await failure(passkeys().registrationOptions(jon, 'password', META, noCookies))).toMatchObject({
        code: 'invalid_token',
      });
    });
  });

  describe('without a usable AUTH_PUBLIC_URL', () => {
    it.each([
      [{}, 'passkeys need AUTH_PUBLIC_URL to be set'],
      [
        { AUTH_PUBLIC_URL: 'http://auth.example.com' },
        'passkeys need an https AUTH_PUBLIC_URL (or http://localhost)',
      ],
      [
        { AUTH_PUBLIC_URL: 'https://192.0.2.1' },
        'passkeys need AUTH_PUBLIC_URL with a domain name, not an IP address',
      ],
    ])('%j: passkeys are off, with the reason', async (env, reason) => {
      const off = await makeRig(env);
      try {
        await off.addUser('jon');
        const pair = await off.gh.sessions.login('jon', 'password', META);
        const jon = (await off.gh.authenticate(
          new Headers({ authorization: `Bearer ${pair.accessToken}` }),
        ))!;
        expect(off.gh.passkeys.unavailable).toBe(reason);
        for (const attempt of [
          off.gh.passkeys.authenticationOptions(META),
          off.gh.passkeys.authenticate({}, META),
          off.gh.passkeys.registrationOptions(jon, undefined, META, noCookies),
        ]) {
          const error = await failure(attempt);
          expect(error).toBeInstanceOf(PasskeysNotConfiguredError);
          expect(error).toMatchObject({ code: 'passkeys_not_configured', status: 404, message: reason });
        }
      } finally {
        await off.cleanup();
      }
    });

    it('takes http://localhost (the demo) as it is', async () => {
      const demo = await makeRig({ AUTH_PUBLIC_URL: 'http://localhost:3000' });
      try {
        expect(demo.gh.passkeys.unavailable).toBeNull();
        expect(await demo.gh.passkeys.authenticationOptions(META)).toMatchObject({ rpId: 'localhost' });
      } finally {
        await demo.cleanup();
      }
    });
  });
});
