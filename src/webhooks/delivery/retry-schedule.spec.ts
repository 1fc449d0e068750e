import { MAX_RETRY_DELAY_MS, nextAttemptAt } from './retry-schedule.js';

describe('retry schedule', () => {
  const now = new Date('2026-12-06T10:00:00Z');
  const day = new Date(now.getTime() + 86_400_000);
  const delayAfter = (attempts: number, random: number) => nextAttemptAt(now, attempts, 5000, day, () => random)!.getTime() - now.getTime();

  it('doubles the delay per attempt, between half and all of it', () => {
    expect([1, 2, 3, 4].map((attempts) => delayAfter(attempts, 1))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((attempts) => delayAfter(attempts, 0))).toEqual([2500, 5000, 10_000, 20_000]);
  });

  it('waits at most an hour between attempts', () => {
    expect(delayAfter(30, 1)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('keeps retrying until retryUntil, with a last attempt at it, then gives up', () => {
    const soon = new Date(now.getTime() + 1000);
    expect(nextAttemptAt(now, 5, 5000, soon, () => 1)).toEqual(soon);
    expect(nextAttemptAt(soon, 6, 5000, soon)).toBeNull();
  });

  it('keeps a delivery alive for the whole horizon: at least 24 hours of attempts at the defaults', () => {
    let at = now;
    let attempts = 0;
    for (let next = nextAttemptAt(at, 1, 5000, day, () => 0); next; next = nextAttemptAt(at, attempts, 5000, day, () => 0)) {
      at = next;
      attempts += 1;
    }
    expect(at).toEqual(day);
    expect(attempts).toBeGreaterThan(20);
  });
});
