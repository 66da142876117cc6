import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, META, type TestRig } from '../../test/helpers';
import {
  ConflictError,
  InvalidCodeError,
  InvalidCredentialsError,
  InvalidMfaTokenError,
  InvalidRequestError,
  MfaRequiredError,
  ReauthenticationRequiredError,
  TooManyAttemptsError,
} from '../edge/errors';
import type { SignedIn } from './gatehouse';
import { MFA_STEP_TTL } from './mfa-steps';
import type { TokenPair } from './sessions';
import { base32Decode, hotp, totpCode, totpStep } from './totp';
import { EnrolmentExpiredError } from '../edge/errors';
import { ENROLMENT_TTL } from './two-factor';

const SEC = 1000;
const STEP = 30 * SEC;

/** What rejects, for asserting on its class and fields. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

describe('two-factor (authenticator app)', () => {
  let rig: TestRig;
  beforeEach(async () => {
    rig = await makeRig({
      AUTH_ACCESS_TTL: '900',
      AUTH_REFRESH_TTL: '3600',
      AUTH_THROTTLE_ACCOUNT: '6',
      AUTH_THROTTLE_PAIR: '10',
      AUTH_THROTTLE_DEVICE: '3',
    });
    await rig.addUser('jon', { name: 'Jon Doe' });
    await rig.addUser('ada', { name: 'Ada Lovelace' });
  });
  afterEach(() => rig.cleanup());

  const tf = () => rig.gh.twoFactor;
  const userId = async (name: string) => (await rig.store.findUserByUsername(name))!.id;

  /** A browser: its own cookie jar (for the device cookie), address and user agent. */
  function browser(ip = '198.51.100.7', userAgent = 'Mozilla/5.0 Firefox/133.0') {
    const jar: Record<string, string> = {};
    const meta = { ip, userAgent };
    const readCookie = (name: string) => jar[name];
    const keep = (pair: TokenPair) => {
      if (pair.device) jar[pair.device.name] = pair.device.value;
    };
    return {
      meta,
      jar,
      readCookie,
      /** A full sign-in of a user without a second factor. */
      async signIn(username = 'jon', password = 'password'): Promise<SignedIn & { pair: TokenPair }> {
        const pair = await rig.gh.sessions.login(username, password, meta, { readCookie });
        keep(pair);
        const who = await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` }));
        return { ...who!, pair };
      },
      /** The password step of a user with a second factor: the step token. */
      async password(username = 'jon', password = 'password'): Promise<string> {
        const error = await failure(rig.gh.sessions.login(username, password, meta, { readCookie }));
        expect(error).toBeInstanceOf(MfaRequiredError);
        return (error as MfaRequiredError).mfaToken;
      },
      async code(token: string, code: string): Promise<TokenPair> {
        const pair = await tf().completeStep(token, code, meta, readCookie);
        keep(pair);
        return pair;
      },
    };
  }

  /** Turns the authenticator app on for a signed-in user; its secret and recovery codes. */
  async function enrol(who: SignedIn, b = browser()) {
    const enrolment = await tf().begin(who, undefined, b.meta, b.readCookie);
    const secret = base32Decode(enrolment.secret)!;
    const { recoveryCodes } = await tf().confirm(who, totpCode(secret, rig.clock()), b.meta);
    return { secret, recoveryCodes, enrolment };
  }

  /** Jon, signed in and enrolled; the clock moved on a step so a fresh code is due. */
  async function jonWithApp() {
    const b = browser();
    const who = await b.signIn();
    const { secret, recoveryCodes } = await enrol(who, b);
    rig.clock.advance(STEP);
    return { b, who, secret, recoveryCodes, now: () => totpCode(secret, rig.clock()) };
  }

  const eventsOf = async (type: string) =>
    (await rig.store.listEvents({ type: type as never })).map((e) => e.detail);
  const signedInWith = async (pair: TokenPair) =>
    (await rig.gh.authenticate(new Headers({ authorization: `Bearer ${pair.accessToken}` })))!;

  describe('turning it on', () => {
    it('gives a base32 secret and an otpauth URI, stores it sealed and pending until a code confirms it', async () => {
      const b = browser();
      const who = await b.signIn();
      expect(await tf().status(who)).toEqual({
        enabled: false,
        enabledAt: null,
        recoveryCodesLeft: 0,
        needsPassword: false,
      });
      const enrolment = await tf().begin(who, undefined, b.meta, b.readCookie);
      expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(enrolment.uri).toBe(
        `otpauth://totp/Gatehouse:jon?secret=${enrolment.secret}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30`,
      );
      expect(enrolment.expiresAt).toBe(rig.clock() + ENROLMENT_TTL * SEC);
      const row = await rig.store.findTotp(who.user.id);
      expect(row).toMatchObject({ enabledAt: null, lastStep: null });
      expect(row!.sealedSecret).toMatch(/^v1\./);
      expect(row!.sealedSecret).not.toContain(enrolment.secret);
      // Pending: a password still signs in alone.
      await browser().signIn();

      const secret = base32Decode(enrolment.secret)!;
      const { recoveryCodes } = await tf().confirm(who, totpCode(secret, rig.clock()), b.meta);
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
      expect(await tf().status(who)).toMatchObject({
        enabled: true,
        enabledAt: rig.clock(),
        recoveryCodesLeft: 10,
      });
      expect(await eventsOf('mfa_enabled')).toEqual(['authenticator app; 10 recovery codes']);
      // Only hashes are stored.
      const stored = JSON.stringify(await rig.store.listEvents());
      for (const code of recoveryCodes) expect(stored).not.toContain(code);
    });

    it('wants the password again from a sign-in older than five minutes; a wrong one is counted', async () => {
      const b = browser();
      const who = await b.signIn();
      rig.clock.advance(301 * SEC);
      expect(await tf().status(who)).toMatchObject({ needsPassword: true });
      expect(await failure(tf().begin(who, undefined, b.meta, b.readCookie))).toBeInstanceOf(
        ReauthenticationRequiredError,
      );
      expect(await failure(tf().begin(who, 'wrong', b.meta, b.readCookie))).toBeInstanceOf(
        InvalidCredentialsError,
      );
      expect(await eventsOf('login_failed')).toEqual(['wrong password (turning on an authenticator app)']);
      expect(await rig.store.findTotp(who.user.id)).toBeNull();
      const enrolment = await tf().begin(who, 'password', b.meta, b.readCookie);
      expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    });

    it('refuses a wrong code, and an enrolment confirmed too late or replaced by a newer one', async () => {
      const b = browser();
      const who = await b.signIn();
      const first = await tf().begin(who, undefined, b.meta, b.readCookie);
      const firstSecret = base32Decode(first.secret)!;
      const wrong = totpCode(firstSecret, rig.clock() + 5 * STEP);
      expect(await failure(tf().confirm(who, wrong, b.meta))).toBeInstanceOf(InvalidCodeError);
      expect(await failure(tf().confirm(who, '', b.meta))).toBeInstanceOf(InvalidRequestError);
      expect(await failure(tf().confirm(who, 'x'.repeat(65), b.meta))).toBeInstanceOf(InvalidRequestError);
      // Started again: the first secret's codes no longer confirm anything.
      const second = await tf().begin(who, undefined, b.meta, b.readCookie);
      expect(second.secret).not.toBe(first.secret);
      expect(await failure(tf().confirm(who, totpCode(firstSecret, rig.clock()), b.meta))).toBeInstanceOf(
        InvalidCodeError,
      );
      rig.clock.advance(ENROLMENT_TTL * SEC + 1);
      const late = totpCode(base32Decode(second.secret)!, rig.clock());
      expect(await failure(tf().confirm(who, late, b.meta))).toBeInstanceOf(EnrolmentExpiredError);
      expect(await tf().status(who)).toMatchObject({ enabled: false });
      expect(await eventsOf('mfa_enabled')).toEqual([]);
    });

    it('is refused (409) while one is on; confirm with nothing pending says to start again', async () => {
      const { b, who } = await jonWithApp();
      expect(await failure(tf().begin(who, undefined, b.meta, b.readCookie))).toBeInstanceOf(ConflictError);
      expect(await failure(tf().confirm(who, '123456', b.meta))).toBeInstanceOf(ConflictError);
      const ada = await browser().signIn('ada');
      expect(await failure(tf().confirm(ada, '123456', b.meta))).toBeInstanceOf(EnrolmentExpiredError);
    });

    it('a sealed secret copied onto another user does not open there', async () => {
      const { secret } = await jonWithApp();
      const ada = await browser().signIn('ada');
      await tf().begin(ada, undefined, META, () => undefined);
      const jons = (await rig.store.findTotp(await userId('jon')))!.sealedSecret;
      // An attacker with write access to the database copies Jon's sealed secret onto Ada.
      await rig.store.beginTotp(ada.user.id, jons, rig.clock());
      expect(await failure(tf().confirm(ada, totpCode(secret, rig.clock()), META))).toBeInstanceOf(
        EnrolmentExpiredError,
      );
    });
  });

  describe('the second sign-in step', () => {
    it('a right password gives no session and no device cookie, only a step; the code finishes it', async () => {
      const { now } = await jonWithApp();
      const b = browser('203.0.113.5');
      const before = (await rig.store.listSessions(await userId('jon'))).length;
      const token = await b.password();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await rig.store.listSessions(await userId('jon'))).toHaveLength(before);
      expect(Object.keys(b.jar)).toEqual([]);

      const pair = await b.code(token, now());
      expect(pair.device?.name).toMatch(/^gatehouse-device-/);
      const who = await signedInWith(pair);
      expect(who.session.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect((await rig.store.findSession(pair.sessionId))!.amr).toEqual(['pwd', 'otp', 'mfa']);
      const [ok] = await rig.store.listEvents({ type: 'login_ok', limit: 1 });
      expect(ok).toMatchObject({ detail: 'password + authenticator code', sessionId: pair.sessionId });
      // Single use: the same step cannot start a second session.
      rig.clock.advance(STEP);
      expect(await failure(b.code(token, now()))).toBeInstanceOf(InvalidMfaTokenError);
    });

    it('accepts a code once: not again, not the enrolment code, and one step of drift either side', async () => {
      const b = browser();
      const who = await b.signIn();
      const { secret } = await enrol(who, b);
      const enrolmentCode = totpCode(secret, rig.clock());
      // The code that turned it on cannot sign in.
      const t1 = await b.password();
      expect(await failure(b.code(t1, enrolmentCode))).toBeInstanceOf(InvalidCodeError);

      rig.clock.advance(STEP);
      const code = totpCode(secret, rig.clock());
      await b.code(t1, code);
      const t2 = await b.password();
      expect(await failure(b.code(t2, code))).toBeInstanceOf(InvalidCodeError);
      // The previous step's code (within the drift window) is refused once a later one was used.
      expect(await failure(b.code(t2, totpCode(secret, rig.clock() - STEP)))).toBeInstanceOf(
        InvalidCodeError,
      );

      // A phone one step ahead; then one step behind.
      rig.clock.advance(STEP);
      const step = totpStep(rig.clock());
      await b.code(t2, hotp(secret, step + 1));
      rig.clock.advance(3 * STEP);
      const t3 = await b.password();
      expect(await failure(b.code(t3, hotp(secret, totpStep(rig.clock()) + 2)))).toBeInstanceOf(
        InvalidCodeError,
      );
      expect(await failure(b.code(t3, hotp(secret, totpStep(rig.clock()) - 2)))).toBeInstanceOf(
        InvalidCodeError,
      );
      await b.code(t3, hotp(secret, totpStep(rig.clock()) - 1));
      expect(await eventsOf('mfa_failed')).toHaveLength(5);
    });

    it('two requests with one code: exactly one signs in', async () => {
      const { now } = await jonWithApp();
      const b = browser();
      const [t1, t2] = [await b.password(), await b.password()];
      const code = now();
      const results = await Promise.allSettled([b.code(t1, code), b.code(t2, code)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: expect.any(InvalidCodeError),
      });
    });

    it('one step, two right codes at once: it is used once, the other request gets invalid_mfa_token', async () => {
      const { now, recoveryCodes } = await jonWithApp();
      const b = browser();
      const token = await b.password();
      const results = await Promise.allSettled([b.code(token, now()), b.code(token, recoveryCodes[0]!)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: expect.any(InvalidMfaTokenError),
      });
    });

    it('lasts five minutes', async () => {
      const { now } = await jonWithApp();
      const b = browser();
      const token = await b.password();
      rig.clock.advance(MFA_STEP_TTL * SEC);
      expect(await failure(b.code(token, now()))).toBeInstanceOf(InvalidMfaTokenError);
      const fresh = await b.password();
      rig.clock.advance(MFA_STEP_TTL * SEC - 1);
      await b.code(fresh, now());
    });

    it('takes at most five codes: the sixth is refused even when right', async () => {
      const { now } = await jonWithApp();
      const b = browser();
      const token = await b.password();
      for (let i = 0; i < 5; i++)
        expect(await failure(b.code(token, '000000'))).toBeInstanceOf(InvalidCodeError);
      expect(await failure(b.code(token, now()))).toBeInstanceOf(InvalidMfaTokenError);
    });

    it('refuses garbage and unknown tokens before counting anything, and missing or oversized codes', async () => {
      const { now } = await jonWithApp();
      const b = browser();
      const token = await b.password();
      for (const bad of [
        '',
        'short',
        `${token}x`,
        token.replace(/.$/, '*'),
        'A'.repeat(43),
        '\u0000'.repeat(43),
      ])
        expect(await failure(b.code(bad, now())), bad).toBeInstanceOf(InvalidMfaTokenError);
      for (const bad of ['', '   ', 'x'.repeat(65)])
        expect(await failure(b.code(token, bad)), bad).toBeInstanceOf(InvalidRequestError);
      expect(
        await failure(tf().completeStep(token, 42 as unknown as string, b.meta, b.readCookie)),
      ).toBeInstanceOf(InvalidRequestError);
      expect(
        await failure(tf().completeStep(null as unknown as string, now(), b.meta, b.readCookie)),
      ).toBeInstanceOf(InvalidMfaTokenError);
      expect(await eventsOf('mfa_failed')).toEqual([]);
      // None of that used up a try: five wrong codes still fit, and the step still works after four.
      for (let i = 0; i < 4; i++) await failure(b.code(token, '000000'));
      await b.code(token, now());
    });

    it("a step is its user's: Jon's step with Ada's code is a wrong code for Jon", async () => {
      const jon = await jonWithApp();
      const ab = browser('192.0.2.44');
      const ada = await ab.signIn('ada');
      const adaApp = await enrol(ada, ab);
      rig.clock.advance(STEP);
      const token = await browser().password('jon');
      expect(await failure(browser().code(token, totpCode(adaApp.secret, rig.clock())))).toBeInstanceOf(
        InvalidCodeError,
      );
      expect(await failure(browser().code(token, adaApp.recoveryCodes[0]!))).toBeInstanceOf(InvalidCodeError);
      await browser().code(token, jon.now());
    });

    it('ends when the password changes or the account is banned or deleted during it', async () => {
      const { now } = await jonWithApp();
      const id = await userId('jon');
      const b = browser();

      const t1 = await b.password();
      await rig.store.updateUser(id, { passwordChangedAt: rig.clock() }, rig.clock());
      expect(await failure(b.code(t1, now()))).toBeInstanceOf(InvalidMfaTokenError);

      const t2 = await b.password();
      await rig.store.updateUser(id, { status: 'banned' }, rig.clock());
      expect(await failure(b.code(t2, now()))).toBeInstanceOf(InvalidMfaTokenError);
      await rig.store.updateUser(id, { status: 'active' }, rig.clock());

      const t3 = await b.password();
      await rig.store.updateUser(id, { deletedAt: rig.clock() }, rig.clock());
      expect(await failure(b.code(t3, now()))).toBeInstanceOf(InvalidMfaTokenError);
      expect(await rig.store.listEvents({ type: 'login_ok', userId: id, limit: 10 })).toHaveLength(1);
    });

    it('ends when the factor is cleared meanwhile: the next sign-in needs the password only', async () => {
      const { now } = await jonWithApp();
      const b = browser();
      const token = await b.password();
      await rig.store.deleteTotp(await userId('jon'));
      expect(await failure(b.code(token, now()))).toBeInstanceOf(InvalidMfaTokenError);
      await b.signIn();
    });

    it('wrong codes count against the account like wrong passwords, until 429', async () => {
      const { now } = await jonWithApp();
      const attacker = browser('203.0.113.66');
      // The account allows 6 consecutive failures; a right password refunds its own attempt.
      const t1 = await attacker.password();
      for (let i = 0; i < 5; i++)
        expect(await failure(attacker.code(t1, '000000'))).toBeInstanceOf(InvalidCodeError);
      const t2 = await attacker.password();
      expect(await failure(attacker.code(t2, '000000'))).toBeInstanceOf(InvalidCodeError);
      const refused = await failure(attacker.code(t2, now()));
      expect(refused).toBeInstanceOf(TooManyAttemptsError);
      expect((refused as TooManyAttemptsError).retryAfter).toBeGreaterThan(0);
      // The account is blocked for every browser without a device cookie, password step included.
      expect(
        await failure(rig.gh.sessions.login('jon', 'password', { ip: '192.0.2.1', userAgent: null })),
      ).toBeInstanceOf(TooManyAttemptsError);
    });

    it("a browser's device cookie is minted only after the code, and its wrong codes count on it", async () => {
      const { now, b: home } = await jonWithApp();
      // Home signed in with the password alone before the app was on: a device cookie for jon.
      expect(Object.keys(home.jar)).toHaveLength(1);
      const laptop = browser('198.51.100.9');
      const token = await laptop.password();
      expect(laptop.jar).toEqual({});
      await laptop.code(token, now());
      expect(Object.keys(laptop.jar)).toHaveLength(1);

      // A known device is charged on its own counter (3 here), not the account's (4).
      rig.clock.advance(STEP);
      const t = await laptop.password();
      for (let i = 0; i < 3; i++)
        expect(await failure(laptop.code(t, '000000'))).toBeInstanceOf(InvalidCodeError);
      expect(await failure(laptop.code(t, now()))).toBeInstanceOf(TooManyAttemptsError);
      // The account's own counter was not charged: another browser signs in.
      const phone = browser('192.0.2.8');
      await phone.code(await phone.password(), now());
    });

    it('takes a recovery code once, in any case, with or without dashes; the audit says how many are left', async () => {
      const { recoveryCodes } = await jonWithApp();
      const b = browser();
      const [first, second] = recoveryCodes as [string, string];
      const pair = await b.code(await b.password(), first.toUpperCase().replace(/-/g, ' '));
      expect((await signedInWith(pair)).session.amr).toEqual(['pwd', 'otp', 'mfa']);
      const [ok] = await rig.store.listEvents({ type: 'login_ok', limit: 1 });
      expect(ok!.detail).toBe('password + recovery code (9 left)');
      expect(await failure(b.code(await b.password(), first))).toBeInstanceOf(InvalidCodeError);
      await b.code(await b.password(), second.replace(/-/g, ''));
      const who = await signedInWith(pair);
      expect(await tf().status(who)).toMatchObject({ recoveryCodesLeft: 8 });
    });

    it('follows a reset link: the password is set, then the second step, then a session', async () => {
      const { now } = await jonWithApp();
      const id = await userId('jon');
      const { url } = await rig.gh.passwordLinks.create(id, { purpose: 'reset', createdBy: null });
      const token = new URL(url).searchParams.get('token')!;
      const error = await failure(rig.gh.passwordLinks.redeem(token, 'a brand new passphrase', META));
      expect(error).toBeInstanceOf(MfaRequiredError);
      expect(await rig.store.listSessions(id)).toHaveLength(0);
      const pair = await tf().completeStep(
        (error as MfaRequiredError).mfaToken,
        now(),
        META,
        () => undefined,
      );
      expect((await signedInWith(pair)).session.amr).toEqual(['pwd', 'otp', 'mfa']);
      // The new password is the one the next sign-in needs (and then the code again).
      await browser().password('jon', 'a brand new passphrase');
      expect(await failure(rig.gh.sessions.login('jon', 'password', META))).toBeInstanceOf(
        InvalidCredentialsError,
      );
    });
  });

  describe('turning it off and new recovery codes', () => {
    it('turning off needs a right code, not the password; wrong codes are counted and audited', async () => {
      const { who, b, now } = await jonWithApp();
      expect(await failure(tf().disable(who, 'password', b.meta, b.readCookie))).toBeInstanceOf(
        InvalidCodeError,
      );
      expect(await failure(tf().disable(who, '000000', b.meta, b.readCookie))).toBeInstanceOf(
        InvalidCodeError,
      );
      expect(await failure(tf().disable(who, '', b.meta, b.readCookie))).toBeInstanceOf(InvalidRequestError);
      expect(await eventsOf('mfa_failed')).toEqual([
        'wrong or used code (turning off)',
        'wrong or used code (turning off)',
      ]);
      await tf().disable(who, now(), b.meta, b.readCookie);
      expect(await tf().status(who)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
      expect(await eventsOf('mfa_disabled')).toEqual(['authenticator app, with an authenticator code']);
      expect(await rig.store.countRecoveryCodes(who.user.id)).toBe(0);
      expect(await failure(tf().disable(who, now(), b.meta, b.readCookie))).toBeInstanceOf(ConflictError);
      // The password alone signs in again.
      await browser().signIn();
    });

    it('a recovery code turns it off too; a used code does not', async () => {
      const { who, b, recoveryCodes } = await jonWithApp();
      const c = browser();
      await c.code(await c.password(), recoveryCodes[0]!);
      expect(await failure(tf().disable(who, recoveryCodes[0]!, b.meta, b.readCookie))).toBeInstanceOf(
        InvalidCodeError,
      );
      await tf().disable(who, recoveryCodes[1]!, b.meta, b.readCookie);
      expect(await eventsOf('mfa_disabled')).toEqual(['authenticator app, with a recovery code']);
    });

    it('new recovery codes need a code; the earlier ones stop working', async () => {
      const { who, b, now, recoveryCodes } = await jonWithApp();
      expect(await failure(tf().regenerateRecoveryCodes(who, '000000', b.meta, b.readCookie))).toBeInstanceOf(
        InvalidCodeError,
      );
      const { recoveryCodes: fresh } = await tf().regenerateRecoveryCodes(who, now(), b.meta, b.readCookie);
      expect(fresh).toHaveLength(10);
      expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
      expect(await eventsOf('recovery_codes_created')).toEqual([
        '10 new recovery codes, with an authenticator code; the earlier ones no longer work',
      ]);
      const c = browser();
      expect(await failure(c.code(await c.password(), recoveryCodes[2]!))).toBeInstanceOf(InvalidCodeError);
      await c.code(await c.password(), fresh[0]!);
    });

    it('is for the session owner only: an ended session is refused', async () => {
      const { who, b, now } = await jonWithApp();
      await rig.gh.account.revokeAll(who, b.meta);
      for (const attempt of [
        tf().status(who),
        tf().disable(who, now(), b.meta, b.readCookie),
        tf().regenerateRecoveryCodes(who, now(), b.meta, b.readCookie),
        tf().begin(who, 'password', b.meta, b.readCookie),
      ])
        expect(await failure(attempt)).toMatchObject({ code: 'invalid_token' });
    });
  });
});
