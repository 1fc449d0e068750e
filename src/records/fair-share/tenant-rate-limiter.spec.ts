import { TenantRateLimiter } from './tenant-rate-limiter.js';

/** A clock the test moves by hand, in whole milliseconds. */
function manualClock(start = 10_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** How many of `count` requests of `key` at the clock's current instant are let through. */
function admitted(limiter: TenantRateLimiter, key: string, count: number): number {
  let through = 0;
  for (let i = 0; i < count; i += 1) if (limiter.admit(key) === 0) through += 1;
  return through;
}

describe('TenantRateLimiter', () => {
  it('lets a burst of N through at once and refuses the rest with a Retry-After of at least one second', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 5, now: clock.now });
    expect(admitted(limiter, 'a', 5)).toBe(5);
    expect(limiter.admit('a')).toBe(1);
    expect(limiter.admit('a')).toBe(1);
  });

  it('admits exactly N at one instant whatever N (no rounding loss)', () => {
    for (const rate of [1, 3, 7, 200, 999, 1_000_000]) {
      const limiter = new TenantRateLimiter({ ratePerSecond: rate, now: manualClock().now });
      expect({ rate, through: admitted(limiter, 'a', rate + 3) }).toEqual({ rate, through: rate });
    }
  });

  it('refills N per second, continuously', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 5, now: clock.now });
    expect(admitted(limiter, 'a', 10)).toBe(5);
    clock.advance(199);
    expect(limiter.admit('a')).toBe(1);
    clock.advance(1);
    expect(limiter.admit('a')).toBe(0);
    expect(limiter.admit('a')).toBe(1);
    clock.advance(400);
    expect(admitted(limiter, 'a', 10)).toBe(2);
    // Refused requests cost nothing: a second later the bucket is full again, not fuller.
    clock.advance(5_000);
    expect(admitted(limiter, 'a', 10)).toBe(5);
  });

  it('holds a steady sender to N per second, and any one-second window to at most 2N', () => {
    const clock = manualClock();
    const rate = 200;
    const limiter = new TenantRateLimiter({ ratePerSecond: rate, now: clock.now });
    const admittedAt: number[] = [];
    // 10 requests per millisecond (50× the rate) for 10 seconds.
    for (let ms = 0; ms < 10_000; ms += 1) {
      for (let i = 0; i < 10; i += 1) if (limiter.admit('a') === 0) admittedAt.push(ms);
      clock.advance(1);
    }
    // The first burst, then the refill of the 9999 ms from the first asks to the last.
    expect(admittedAt).toHaveLength(Math.floor(rate + (9999 * rate) / 1000));
    for (let start = 0; start < 10_000; start += 250) {
      const inWindow = admittedAt.filter((ms) => ms >= start && ms < start + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(2 * rate);
    }
    // After the first second, exactly the rate.
    expect(admittedAt.filter((ms) => ms >= 5000 && ms < 6000)).toHaveLength(rate);
  });

  it('keeps keys apart: one over its limit does not touch another', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 3, now: clock.now });
    expect(admitted(limiter, 'a', 100)).toBe(3);
    expect(admitted(limiter, 'b', 3)).toBe(3);
    expect(limiter.admit('a')).toBeGreaterThan(0);
  });

  it('answers Retry-After in whole seconds, at least 1, enough for the next request to pass', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 1, now: clock.now });
    expect(limiter.admit('a')).toBe(0);
    const retryAfter = limiter.admit('a');
    expect(retryAfter).toBe(1);
    clock.advance(retryAfter * 1000 - 1);
    expect(limiter.admit('a')).toBe(1);
    clock.advance(1);
    expect(limiter.admit('a')).toBe(0);
  });

  it('forgets idle keys, keeping only those seen in the last two seconds, without changing any answer', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 2, now: clock.now });
    for (let org = 0; org < 1000; org += 1) limiter.admit(`org-${org}`);
    expect(limiter.tracked).toBe(1000);
    expect(admitted(limiter, 'busy', 5)).toBe(2);
    clock.advance(1000);
    limiter.admit('other');
    expect(limiter.tracked).toBe(1002);
    clock.advance(1000);
    limiter.admit('other');
    // The 1000 idle ones and 'busy' are gone; 'other' was seen in the last second.
    expect(limiter.tracked).toBe(1);
    // A forgotten key answers as a full bucket would, which is what it had become.
    expect(admitted(limiter, 'busy', 5)).toBe(2);
    expect(admitted(limiter, 'org-1', 5)).toBe(2);
  });

  it('carries a key seen in consecutive seconds across generations with its state', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 4, now: clock.now });
    for (let step = 0; step < 20; step += 1) {
      // 8 asks every 500 ms: 2 pass (the refill), after the first burst of 4.
      expect(admitted(limiter, 'a', 8)).toBe(step === 0 ? 4 : 2);
      clock.advance(500);
    }
    expect(limiter.tracked).toBe(1);
  });

  it('never holds more than twice maxTracked keys, however many organizations call within a second', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 10, maxTracked: 100, now: clock.now });
    for (let org = 0; org < 100_000; org += 1) {
      expect(limiter.admit(`org-${org}`)).toBe(0);
      expect(limiter.tracked).toBeLessThanOrEqual(200);
    }
    // The most recent keys are still limited.
    expect(admitted(limiter, 'org-99999', 20)).toBe(9);
  });

  it('does not refill when the clock stands still or steps back', () => {
    const clock = manualClock();
    const limiter = new TenantRateLimiter({ ratePerSecond: 2, now: clock.now });
    expect(admitted(limiter, 'a', 2)).toBe(2);
    clock.advance(-5000);
    expect(limiter.admit('a')).toBe(1);
  });

  it('refuses a rate that is not a positive integer', () => {
    expect(() => new TenantRateLimiter({ ratePerSecond: 0 })).toThrow(/positive integer/);
    expect(() => new TenantRateLimiter({ ratePerSecond: 1.5 })).toThrow(/positive integer/);
  });
});
