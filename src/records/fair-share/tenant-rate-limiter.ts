/** What one request costs, in units of a bucket: a bucket refills `ratePerSecond` units per millisecond, so all is integer. */
const UNITS_PER_REQUEST = 1000;

/** A bucket refills completely within this long, so one untouched this long is full: the same as no bucket. */
const REFILL_MS = 1000;

/** Most organizations one generation tracks (at most twice this are held); see TenantRateLimiter. */
export const DEFAULT_MAX_TRACKED = 50_000;

export interface TenantRateLimiterOptions {
  /** Requests per second per key, and the largest burst (TENANT_RATE_LIMIT). */
  ratePerSecond: number;
  /** Most keys one generation holds; beyond it the older generation is forgotten early. */
  maxTracked?: number;
  /** A monotonic clock in whole milliseconds. */
  now?: () => number;
}

interface Bucket {
  /** What was left at `at`, in units (UNITS_PER_REQUEST a request). */
  units: number;
  at: number;
}

/**
 * Per-key token buckets (the key is an organization id): each holds at most `ratePerSecond`
 * requests and refills `ratePerSecond` per second, continuously. So an organization may send a
 * burst of up to N at once and N per second sustained; any one-second window admits at most 2N (a
 * full bucket plus a second's refill). A token bucket rather than a fixed window: a limited
 * organization is served again request by request as capacity returns, instead of being refused
 * for the rest of a second and then bursting at its boundary with every other limited client.
 *
 * Memory is bounded without a timer: a bucket untouched for REFILL_MS is full, which is the same
 * as having none, so buckets live in two generations that rotate once REFILL_MS has passed (on
 * the next call). A bucket touched in a generation is moved to it; rotating drops the older one,
 * whose buckets were all last touched before the previous rotation, at least REFILL_MS ago: the
 * drop loses nothing. What is held is the organizations seen in the one to two seconds before the
 * last call, and never more than 2 × maxTracked; a generation that fills up rotates early (forgetting buckets
 * that may not be full yet: only with more than maxTracked organizations in one second on one
 * instance). Each call is a few Map operations and never waits. Not lru-cache: dropping a whole
 * generation expires every idle bucket at once, with no per-entry order or timestamp to keep.
 */
export class TenantRateLimiter {
  private readonly rate: number;
  private readonly capacity: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private rotatedAt: number;

  constructor(options: TenantRateLimiterOptions) {
    if (!Number.isInteger(options.ratePerSecond) || options.ratePerSecond < 1) {
      throw new Error(`ratePerSecond must be a positive integer, not ${options.ratePerSecond}`);
    }
    this.rate = options.ratePerSecond;
    this.capacity = options.ratePerSecond * UNITS_PER_REQUEST;
    this.maxTracked = options.maxTracked ?? DEFAULT_MAX_TRACKED;
    this.now = options.now ?? (() => Math.floor(performance.now()));
    this.rotatedAt = this.now();
  }

  /** Counts one request of `key`: 0 when it may go on, else the whole seconds (≥ 1) until one would be let through. */
  admit(key: string): number {
    const now = this.now();
    if (now - this.rotatedAt >= REFILL_MS) this.rotate(now);
    let bucket = this.current.get(key);
    if (bucket === undefined) {
      bucket = this.previous.get(key);
      if (bucket === undefined) bucket = { units: this.capacity, at: now };
      else this.previous.delete(key);
      if (this.current.size >= this.maxTracked) this.rotate(now);
      this.current.set(key, bucket);
    }
    const units = Math.min(this.capacity, bucket.units + Math.max(0, now - bucket.at) * this.rate);
    bucket.at = now;
    if (units >= UNITS_PER_REQUEST) {
      bucket.units = units - UNITS_PER_REQUEST;
      return 0;
    }
    bucket.units = units;
    const waitMs = Math.ceil((UNITS_PER_REQUEST - units) / this.rate);
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Buckets held now, in both generations. */
  get tracked(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(now: number): void {
    this.previous = this.current;
    this.current = new Map();
    this.rotatedAt = now;
  }
}
