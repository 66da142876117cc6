import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, otpauthUri, totpCode, totpStep, verifyTotp } from './totp';

const ascii = (text: string) => new TextEncoder().encode(text);
/** RFC 6238 appendix B's SHA-1 seed. */
const RFC_SEED = ascii('12345678901234567890');

describe('TOTP', () => {
  it('matches the SHA-1 test vectors of RFC 6238 appendix B (8 digits)', () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors)
      expect(totpCode(RFC_SEED, seconds * 1000, 8), String(seconds)).toBe(code);
  });

  it('matches the HOTP test vectors of RFC 4226 appendix D (6 digits)', () => {
    const codes = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    codes.forEach((code, counter) => expect(hotp(RFC_SEED, counter)).toBe(code));
  });

  it('encodes and decodes base32 as RFC 4648 section 10 does, without padding', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(ascii(plain))).toBe(encoded);
      expect(base32Decode(encoded)).toEqual(ascii(plain));
      expect(base32Decode(`${encoded.toLowerCase()}======`.slice(0, encoded.length + 2))).toEqual(
        ascii(plain),
      );
    }
    expect(base32Decode('MZXW 6YTB OI')).toEqual(ascii('foobar'));
    // Outside the alphabet, a length no encoder makes, non-zero leftover bits.
    for (const bad of ['MZXW1', 'M', 'MZXW6YTBO', 'MZ', 'MZXR']) expect(base32Decode(bad), bad).toBeNull();
  });

  it('accepts the current step and one either side, returning the step that matched', () => {
    const now = 1111111111 * 1000;
    const step = totpStep(now);
    for (const delta of [-1, 0, 1]) {
      expect(verifyTotp(RFC_SEED, hotp(RFC_SEED, step + delta), now, null)).toBe(step + delta);
    }
    for (const delta of [-2, 2, 10])
      expect(verifyTotp(RFC_SEED, hotp(RFC_SEED, step + delta), now, null)).toBeNull();
  });

  it('refuses a step at or before the last one used: a code works once', () => {
    const now = 1234567890 * 1000;
    const step = totpStep(now);
    const code = hotp(RFC_SEED, step);
    expect(verifyTotp(RFC_SEED, code, now, step - 1)).toBe(step);
    expect(verifyTotp(RFC_SEED, code, now, step)).toBeNull();
    // The previous step's code is refused once a later one was used, even inside the window.
    expect(verifyTotp(RFC_SEED, hotp(RFC_SEED, step - 1), now, step)).toBeNull();
    expect(verifyTotp(RFC_SEED, hotp(RFC_SEED, step + 1), now, step)).toBe(step + 1);
  });

  it('refuses anything that is not exactly six digits', () => {
    const now = 59_000;
    const code = totpCode(RFC_SEED, now);
    for (const bad of [
      '',
      code.slice(1),
      `${code}0`,
      ` ${code.slice(1)}`,
      '12345a',
      '１２３４５６',
      `+${code.slice(1)}`,
    ])
      expect(verifyTotp(RFC_SEED, bad, now, null), JSON.stringify(bad)).toBeNull();
    expect(verifyTotp(RFC_SEED, code, now, null)).toBe(1);
  });

  it('builds an otpauth URI with the label and issuer encoded', () => {
    const uri = otpauthUri({ secret: ascii('foobar'), issuer: 'Gatehouse', account: 'jon doe@example.com' });
    expect(uri).toBe(
      'otpauth://totp/Gatehouse:jon%20doe%40example.com?secret=MZXW6YTBOI&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30',
    );
    const odd = new URL(otpauthUri({ secret: ascii('f'), issuer: 'A&B Co', account: 'x:y?z' }));
    expect(odd.host + odd.pathname).toBe('totp/A%26B%20Co:x%3Ay%3Fz');
    expect(odd.searchParams.get('issuer')).toBe('A&B Co');
  });
});
