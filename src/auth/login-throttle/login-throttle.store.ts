/** One counter's state after a hit: how many hits its current window holds and when that window ends. */
export interface ThrottleCounter {
  count: number;
  windowEndsAt: Date;
}

/**
 * Fixed-window hit counters keyed by string. A window opens at a key's first hit after the
 * previous window ended and lasts `windowMs`; hits inside it never move its end.
 */
export abstract class LoginThrottleStore {
  /** Counts one hit against `key` and returns the counter including it. */
  abstract hit(key: string, windowMs: number, now: Date): Promise<ThrottleCounter>;

  /** Forgets the key's counter. */
  abstract reset(key: string): Promise<void>;

  /** Removes counters whose window has ended; returns how many were removed. */
  abstract sweep(now: Date): Promise<number>;
}
