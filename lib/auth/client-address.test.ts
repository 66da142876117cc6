import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress, isTrustedPeer } from './client-address';
import type { TrustedProxies } from '../edge/config';

const NONE: TrustedProxies = { kind: 'none' };
const LB: TrustedProxies = { kind: 'list', ranges: ['10.0.0.0/8', '::1', '2001:db8:ffff::/48'] };
const hops = (count: number): TrustedProxies => ({ kind: 'hops', count });

describe('clientAddress', () => {
  describe('with no trusted proxies', () => {
    it('is the socket address and ignores X-Forwarded-For entirely', () => {
      expect(clientAddress('203.0.113.7', '198.51.100.1', NONE)).toBe('203.0.113.7');
      expect(clientAddress('10.0.0.1', '198.51.100.1', NONE)).toBe('10.0.0.1');
    });

    it('normalises IPv4-mapped IPv6 and IPv6 spelling', () => {
      expect(clientAddress('::ffff:127.0.0.2', null, NONE)).toBe('127.0.0.2');
      expect(clientAddress('::FFFF:7f00:2', null, NONE)).toBe('127.0.0.2');
      expect(clientAddress('2001:DB8:0:0:0:0:0:1', null, NONE)).toBe('2001:db8::1');
      expect(clientAddress('fe80::1%eth0', null, NONE)).toBe('fe80::1');
    });

    it('is null without a usable socket address', () => {
      expect(clientAddress(undefined, '198.51.100.1', NONE)).toBeNull();
      expect(clientAddress('', null, NONE)).toBeNull();
      expect(clientAddress('not-an-ip', null, NONE)).toBeNull();
    });
  });

  describe('with a list of trusted proxies', () => {
    it('takes the entry the trusted proxy appended', () => {
      expect(clientAddress('10.0.0.5', '198.51.100.1', LB)).toBe('198.51.100.1');
      expect(clientAddress('::ffff:10.0.0.5', '198.51.100.1', LB)).toBe('198.51.100.1');
      expect(clientAddress('::1', '2001:db8:1::9', LB)).toBe('2001:db8:1::9');
    });

    it('walks past several trusted hops, right to left', () => {
      expect(clientAddress('10.0.0.5', '198.51.100.1, 10.1.1.1, 10.2.2.2', LB)).toBe('198.51.100.1');
      expect(clientAddress('::1', '198.51.100.1, 2001:db8:ffff:1::1', LB)).toBe('198.51.100.1');
    });

    it('ignores whatever the client prepended: the first untrusted address from the right wins', () => {
      // The client sent "X-Forwarded-For: 10.9.9.9, 1.1.1.1"; the proxy appended its real address.
      expect(clientAddress('10.0.0.5', '10.9.9.9, 1.1.1.1, 198.51.100.1', LB)).toBe('198.51.100.1');
      // Claiming to be a trusted proxy does not help: 198.51.100.1 is not one, so the walk stops there.
      expect(clientAddress('10.0.0.5', '127.0.0.1, 198.51.100.1', LB)).toBe('198.51.100.1');
    });

    it('ignores X-Forwarded-For from an untrusted peer', () => {
      expect(clientAddress('198.51.100.1', '10.0.0.7', LB)).toBe('198.51.100.1');
      expect(clientAddress('198.51.100.1', '127.0.0.1', LB)).toBe('198.51.100.1');
      expect(clientAddress('2001:db8:1::1', '::1', LB)).toBe('2001:db8:1::1');
    });

    it('does not let a mapped or oddly spelled address pose as a trusted one', () => {
      // 10.0.0.5 mapped is still 10.0.0.5 (trusted); 127.1 and 012.0.0.1 are refused outright.
      expect(clientAddress('::ffff:10.0.0.5', '198.51.100.1', LB)).toBe('198.51.100.1');
      expect(clientAddress('10.0.0.5', '198.51.100.1, 10.1', LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', '198.51.100.1, 012.0.0.1', LB)).toBe('10.0.0.5');
      expect(clientAddress('0x0a.0.0.5', '198.51.100.1', LB)).toBeNull();
    });

    it('stops at the last trusted hop on a garbage entry', () => {
      expect(clientAddress('10.0.0.5', '198.51.100.1, garbage', LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', '198.51.100.1, 10.1.1.1, unknown', LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', '198.51.100.1, garbage, 10.1.1.1', LB)).toBe('10.1.1.1');
      expect(clientAddress('10.0.0.5', '198.51.100.1,', LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', '', LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', null, LB)).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', '198.51.100.1 203.0.113.9', LB)).toBe('10.0.0.5');
    });

    it('accepts ports, brackets and spaces that real proxies write', () => {
      expect(clientAddress('10.0.0.5', ' 198.51.100.1:5123 ', LB)).toBe('198.51.100.1');
      expect(clientAddress('10.0.0.5', '[2001:db8:1::9]:443', LB)).toBe('2001:db8:1::9');
      expect(clientAddress('10.0.0.5', '[2001:db8:1::9]', LB)).toBe('2001:db8:1::9');
    });

    it('ends at the leftmost entry when every hop is trusted', () => {
      expect(clientAddress('10.0.0.5', '10.3.3.3, 10.1.1.1', LB)).toBe('10.3.3.3');
    });
  });

  describe('with a hop count', () => {
    it('takes the entry that many hops from the socket', () => {
      expect(clientAddress('10.0.0.5', '1.1.1.1, 198.51.100.1', hops(1))).toBe('198.51.100.1');
      expect(clientAddress('10.0.0.5', '1.1.1.1, 198.51.100.1, 10.1.1.1', hops(2))).toBe('198.51.100.1');
    });

    it('trusts hops by position, not by address', () => {
      expect(clientAddress('203.0.113.1', '198.51.100.1', hops(1))).toBe('198.51.100.1');
    });

    it('stops at the leftmost entry when the chain is shorter than the count', () => {
      expect(clientAddress('10.0.0.5', '198.51.100.1', hops(3))).toBe('198.51.100.1');
      expect(clientAddress('10.0.0.5', null, hops(2))).toBe('10.0.0.5');
    });

    it('stops at the last trusted hop on a garbage entry', () => {
      expect(clientAddress('10.0.0.5', '198.51.100.1, nonsense', hops(2))).toBe('10.0.0.5');
      expect(clientAddress('10.0.0.5', 'nonsense, 10.1.1.1', hops(2))).toBe('10.1.1.1');
    });
  });
});

describe('isTrustedPeer', () => {
  it('is true only for a listed proxy, however its address is spelled', () => {
    expect(isTrustedPeer('10.0.0.5', LB)).toBe(true);
    expect(isTrustedPeer('::ffff:10.0.0.5', LB)).toBe(true);
    expect(isTrustedPeer('::1', LB)).toBe(true);
    expect(isTrustedPeer('2001:db8:ffff:42::1', LB)).toBe(true);
    expect(isTrustedPeer('11.0.0.5', LB)).toBe(false);
    expect(isTrustedPeer('2001:db8:fffe::1', LB)).toBe(false);
    expect(isTrustedPeer('127.0.0.1', LB)).toBe(false);
    expect(isTrustedPeer(undefined, LB)).toBe(false);
    expect(isTrustedPeer('garbage', LB)).toBe(false);
  });

  it('is never true without trusted proxies, and always true for a hop count', () => {
    expect(isTrustedPeer('10.0.0.5', NONE)).toBe(false);
    expect(isTrustedPeer('127.0.0.1', NONE)).toBe(false);
    expect(isTrustedPeer('203.0.113.1', hops(1))).toBe(true);
    expect(isTrustedPeer(undefined, hops(1))).toBe(false);
  });

  it('reads a mapped IPv6 range as the IPv4 range it stands for', () => {
    const mapped: TrustedProxies = { kind: 'list', ranges: ['::ffff:10.0.0.0/104'] };
    expect(isTrustedPeer('10.200.0.1', mapped)).toBe(true);
    expect(isTrustedPeer('11.0.0.1', mapped)).toBe(false);
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses whole', () => {
    expect(addressKey('198.51.100.1')).toBe('198.51.100.1');
    expect(addressKey('::ffff:198.51.100.1')).toBe('198.51.100.1');
  });

  it('collapses IPv6 to its /64, so a client cannot rotate through its own subnet', () => {
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:0:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe(addressKey('fe80::2%eth1'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
  });

  it('puts anything unusable in one "unknown" bucket', () => {
    expect(addressKey(null)).toBe('unknown');
    expect(addressKey(undefined)).toBe('unknown');
    expect(addressKey('')).toBe('unknown');
    expect(addressKey('127.1')).toBe('unknown');
    expect(addressKey('not an address')).toBe('unknown');
  });
});
