import { describe, expect, it } from 'vitest';
import { manualClock } from '../edge/clock';
import { createRequestRate } from './request-rate';

describe('per-address request rate (sign-in load shedding)', () => {
  it('lets a burst through, then one request per refill, per address', () => {
    const clock = manualClock();
    const rate = createRequestRate({ burst: 5, perSecond: 1, clock });
    expect(Array.from({ length: 7 }, () => rate.take('203.0.113.1'))).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(rate.take('203.0.113.2')).toBe(0);
    clock.advance(1000);
    expect(rate.take('203.0.113.1')).toBe(0);
    expect(rate.take('203.0.113.1')).toBe(1);
    clock.advance(10_000);
    expect(Array.from({ length: 6 }, () => rate.take('203.0.113.1'))).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('counts IPv6 per /64 and IPv4-mapped addresses as IPv4, so rotating addresses gains nothing', () => {
    const rate = createRequestRate({ burst: 2, perSecond: 1, clock: manualClock() });
    expect([
      rate.take('2001:db8:1:2::1'),
      rate.take('2001:db8:1:2::ffff'),
      rate.take('2001:db8:1:2:abcd::9'),
    ]).toEqual([0, 0, 1]);
    expect([rate.take('::ffff:198.51.100.4'), rate.take('198.51.100.4'), rate.take('198.51.100.4')]).toEqual([
      0, 0, 1,
    ]);
  });

  it('says how long to wait, and never tracks more than maxTracked addresses', () => {
    const clock = manualClock();
    const rate = createRequestRate({ burst: 1, perSecond: 0.25, clock, maxTracked: 100 });
    expect(rate.take('192.0.2.1')).toBe(0);
    expect(rate.take('192.0.2.1')).toBe(4);
    for (let i = 0; i < 1000; i++) rate.take(`10.0.${i >> 8}.${i & 255}`);
    expect(rate.size).toBeLessThanOrEqual(100);
  });
});
