export interface ExpiringCacheOptions {
  /** How long a loaded value is served before it is loaded again. */
  ttlMs: number;
  /** Most entries kept; the oldest go first. */
  maxEntries: number;
  now?: () => number;
}

/**
 * A bounded read-through cache whose entries expire a fixed time after they were loaded.
 *
 * `invalidate` takes effect at once for every later read, including reads whose load was already
 * in flight when it was called: such a load's result is returned to its caller but not stored,
 * so a value read before a change can never be served after it.
 */
export class ExpiringCache<V> {
  // Insertion order is load order, and with one TTL for all entries also expiry order.
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached value, or `load()`'s. A null result is not cached, nor is a load that throws. */
  async getOrLoad<L extends V | null>(key: string, load: () => Promise<L>): Promise<V | L> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation) this.store(key, value);
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
    if (value !== null && generation === this.generation) this.store(key, value);
    return loaded;
  }

  /** The cached value if it has not expired; never loads. */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }

  /** Stores a value read elsewhere, as a load would. */
  set(key: string, value: V): void {
    this.store(key, value);
  }

  /** Forgets one key, or every key when none is given. */
  invalidate(key?: string): void {
    this.generation += 1;
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.options.ttlMs });
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && oldest.expiresAt > now) break;
      this.entries.delete(oldestKey);
    }
  }
}

/**
 * How long an instance may keep acting on an admin's credentials or an organization's state after
 * another instance changed them (this instance's own changes take effect at once). Revocation of
 * a token by a password/email change or an organization delete made elsewhere therefore reaches
 * every instance within this bound. README ("Performance") states it.
 */
export const CROSS_INSTANCE_STALENESS_MS = 1_000;
