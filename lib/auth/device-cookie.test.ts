import { beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_TOKEN_TTL, deviceCookieName, issueDeviceToken, verifyDeviceToken } from './device-cookie';
import { deriveKeyring, mac, type Keyring } from '../edge/keys';
import { cryptoRandom, type RandomBytes } from '../edge/random';

const NOW = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const JON = 'aaaaaaaaaaaaaaaaaaaaaa';
const ADA = 'bbbbbbbbbbbbbbbbbbbbbb';
const fixedRandom: RandomBytes = (n) => new Uint8Array(n).fill(7);

describe('device cookies', () => {
  let ring: Keyring;
  let other: Keyring;
  beforeAll(async () => {
    ring = await deriveKeyring('test-secret-0123456789abcdefghijklmnopqrstuvwxyz');
    other = await deriveKeyring('another-secret-0123456789abcdefghijklmnopqrstuvwxyz');
  });
  const issue = (account = JON, now = NOW, ttl?: number) =>
    issueDeviceToken(ring.macs.device, account, { now, random: cryptoRandom, ttl, passwordEpoch: null });

  it('names one cookie per account, with __Host- when cookies are secure', () => {
    expect(deviceCookieName('abcdefghijklmnopqrstuv', false)).toBe('gatehouse-device-abcdefghijkl');
    expect(deviceCookieName('abcdefghijklmnopqrstuv', true)).toBe('__Host-gatehouse-device-abcdefghijkl');
    expect(deviceCookieName(JON, false)).not.toBe(deviceCookieName(ADA, false));
  });

  it('issues nonce.expiry.mac and verifies it back to the nonce', async () => {
    const token = await issueDeviceToken(ring.macs.device, JON, {
      now: NOW,
      random: fixedRandom,
      passwordEpoch: null,
    });
    const [nonce, expiry, tag] = token.split('.');
    expect(nonce).toBe('BwcHBwcHBwcHBwcHBwcHBw');
    expect(Number(expiry)).toBe(NOW / 1000 + DEVICE_TOKEN_TTL);
    expect(tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, null)).toBe(nonce);
  });

  it('gives every token its own nonce', async () => {
    const [a, b] = await Promise.all([issue(), issue()]);
    expect(a.split('.')[0]).not.toBe(b.split('.')[0]);
  });

  it('lasts 180 days by default, and exactly as long as asked', async () => {
    const token = await issue();
    expect(
      await verifyDeviceToken(ring.macs.device, JON, token, NOW + 180 * DAY - 1000, null),
    ).not.toBeNull();
    expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW + 180 * DAY, null)).toBeNull();
    const short = await issue(JON, NOW, 60);
    expect(await verifyDeviceToken(ring.macs.device, JON, short, NOW + 59_000, null)).not.toBeNull();
    expect(await verifyDeviceToken(ring.macs.device, JON, short, NOW + 60_000, null)).toBeNull();
  });

  it("refuses another account's token", async () => {
    const adas = await issue(ADA);
    expect(await verifyDeviceToken(ring.macs.device, JON, adas, NOW, null)).toBeNull();
  });

  it('refuses a token with a changed expiry, nonce or MAC', async () => {
    const [nonce, expiry, tag] = (await issue()).split('.') as [string, string, string];
    const later = String(Number(expiry) + 365 * 86_400);
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const forged of [
      `${nonce}.${later}.${tag}`,
      `${flip(nonce)}.${expiry}.${tag}`,
      `${nonce}.${expiry}.${flip(tag)}`,
      `${nonce}.${expiry}.${tag.slice(0, 42)}`,
    ]) {
      expect(await verifyDeviceToken(ring.macs.device, JON, forged, NOW, null)).toBeNull();
    }
  });

  it('refuses a token signed with another secret, or with another purpose key', async () => {
    const token = await issue();
    expect(await verifyDeviceToken(other.macs.device, JON, token, NOW, null)).toBeNull();
    const wrongPurpose = await issueDeviceToken(ring.macs.account, JON, {
      now: NOW,
      random: cryptoRandom,
      passwordEpoch: null,
    });
    expect(await verifyDeviceToken(ring.macs.device, JON, wrongPurpose, NOW, null)).toBeNull();
  });

  it('refuses malformed input without throwing', async () => {
    const token = await issue();
    for (const bad of [
      undefined,
      null,
      '',
      '.',
      '..',
      'a.b.c',
      `${token}.x`,
      ` ${token}`,
      token.replace(/\.\d+\./, '.-1.'),
    ]) {
      expect(await verifyDeviceToken(ring.macs.device, JON, bad, NOW, null)).toBeNull();
    }
  });

  describe('bound to the password', () => {
    const CHANGED = NOW - 3 * DAY;
    const issueUnder = (passwordEpoch: number | null) =>
      issueDeviceToken(ring.macs.device, JON, { now: NOW, random: cryptoRandom, passwordEpoch });

    it('verifies only under the password epoch it was minted for', async () => {
      const token = await issueUnder(CHANGED);
      expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, CHANGED)).not.toBeNull();
      // The password changed again, or the verifier has no epoch: the token counts for nothing.
      expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, CHANGED + 1)).toBeNull();
      expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, null)).toBeNull();
    });

    it('a token minted before any change stops counting at the first change', async () => {
      const token = await issueUnder(null);
      expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, null)).not.toBeNull();
      expect(await verifyDeviceToken(ring.macs.device, JON, token, NOW, CHANGED)).toBeNull();
    });

    it('keeps tokens minted before the binding existed working while the password has not changed', async () => {
      // The format before passwords were bound: the MAC over account, nonce and expiry only.
      const nonce = 'cccccccccccccccccccccc';
      const expiresAt = NOW / 1000 + DEVICE_TOKEN_TTL;
      const legacy = `${nonce}.${expiresAt}.${await mac(ring.macs.device, `${JON}|${nonce}|${expiresAt}`)}`;
      expect(await verifyDeviceToken(ring.macs.device, JON, legacy, NOW, null)).toBe(nonce);
      expect(await verifyDeviceToken(ring.macs.device, JON, legacy, NOW, CHANGED)).toBeNull();
    });
  });
});
