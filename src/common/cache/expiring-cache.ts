import { LRUCache } from 'lru-cache';

export interface ExpiringCacheOptions {
  /** How long a loaded value is served before it is loaded again; reads do not extend it. */
  ttlMs: number;
  /** Most entries kept; the least recently used go first. */
  maxEntries: number;
  /** A clock in milliseconds, above 0 (lru-cache reads a start of 0 as "no expiry"); `performance.now` by default. */
  now?: () => number;
}

/**
 * A bounded read-through cache whose entries expire a fixed time after they were loaded.
 *
 * `invalidate` takes effect at once for every later read, including reads whose load was already
 * in flight when it was called: such a load's result is returned to its caller but not stored,
 * so a value read before a change can never be served after it.
 */
export class ExpiringCache<V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<string, V>;
  private generation = 0;

  constructor(options: ExpiringCacheOptions) {
    this.entries = new LRUCache<string, V>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // The staleness bounds (CROSS_INSTANCE_STALENESS_MS) count from the load: a read never extends them.
      updateAgeOnGet: false,
      // No timer per entry: an expired entry is dropped when it is read or is the least recently used.
      ttlAutopurge: false,
      // A fresh clock reading at every check; lru-cache's cached reading can lag while the event loop is busy.
      ttlResolution: 0,
      ...(options.now && { perf: { now: options.now } }),
    });
  }

  /** The cached value, or `load()`'s. A null result is not cached, nor is a load that throws. */
  async getOrLoad<L extends V | null>(key: string, load: () => Promise<L>): Promise<V | L> {
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation) this.entries.set(key, value);
    return value;
  }

  /**
   * Runs `load`, a read the caller needs anyway, and stores what `valueOf` makes of its result as
   * getOrLoad would: not when that is null, nor when an invalidate came while the read ran.
   */
  async refresh<L>(key: string, load: () => Promise<L>, valueOf: (loaded: L) => V | null): Promise<L> {
    const generation = this.generation;
    const loaded = await load();
    const value = valueOf(loaded);
    if (value !== null && generation === this.generation) this.entries.set(key, value);
    return loaded;
  }

  /** The cached value if it has not expired (a use, as for getOrLoad); never loads. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Stores a value read elsewhere, as a load would. */
  set(key: string, value: V): void {
    this.entries.set(key, value);
  }

  /** Forgets one key, or every key when none is given. */
  invalidate(key?: string): void {
    this.generation += 1;
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  /** Entries held, expired ones not yet dropped among them; never more than `maxEntries`. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * How long an instance may keep acting on an admin's credentials or an organization's state after
 * another instance changed them (this instance's own changes take effect at once). Revocation of
 * a token by a password/email change or an organization delete made elsewhere therefore reaches
 * every instance within this bound. README ("Performance") states it.
 */
export const CROSS_INSTANCE_STALENESS_MS = 1_000;
