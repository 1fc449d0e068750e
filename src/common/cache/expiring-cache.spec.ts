import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  /** Loads happen at `start`; a clock of 0 would read as "no expiry" to lru-cache. */
  const start = 10_000;
  let clock: number;
  const cache = (maxEntries = 10) => new ExpiringCache<string>({ ttlMs: 1000, maxEntries, now: () => clock });
  /** A loader that counts its calls. */
  const loader = (value: string | null) => {
    const load = async () => {
      load.calls += 1;
      return value;
    };
    load.calls = 0;
    return load;
  };

  beforeEach(() => {
    clock = start;
  });

  it('serves a loaded value until its time to live has passed, then loads again', async () => {
    const c = cache();
    const load = loader('v1');
    expect(await c.getOrLoad('k', load)).toBe('v1');
    clock = start + 1000;
    expect(await c.getOrLoad('k', load)).toBe('v1');
    expect(load.calls).toBe(1);
    clock = start + 1001;
    expect(await c.getOrLoad('k', loader('v2'))).toBe('v2');
  });

  it('does not extend the life of an entry it serves', async () => {
    const c = cache();
    await c.getOrLoad('k', loader('v1'));
    for (clock = start + 100; clock <= start + 1000; clock += 100) expect(await c.getOrLoad('k', loader('reloaded'))).toBe('v1');
    clock = start + 1001;
    expect(await c.getOrLoad('k', loader('v2'))).toBe('v2');
  });

  it('does not cache a null result', async () => {
    const c = cache();
    const load = loader(null);
    expect(await c.getOrLoad('k', load)).toBeNull();
    expect(await c.getOrLoad('k', load)).toBeNull();
    expect(load.calls).toBe(2);
    expect(c.size).toBe(0);
  });

  it('loads again right after one key or every key is invalidated', async () => {
    const c = cache();
    await c.getOrLoad('a', loader('a1'));
    await c.getOrLoad('b', loader('b1'));
    c.invalidate('a');
    expect(await c.getOrLoad('a', loader('a2'))).toBe('a2');
    expect(await c.getOrLoad('b', loader('b2'))).toBe('b1');
    c.invalidate();
    expect(await c.getOrLoad('b', loader('b3'))).toBe('b3');
  });

  it('does not store a value whose load was in flight when the cache was invalidated', async () => {
    const c = cache();
    let finishLoad: (value: string) => void = () => undefined;
    const inFlight = c.getOrLoad('k', () => new Promise<string>((resolve) => (finishLoad = resolve)));
    c.invalidate('other-key');
    finishLoad('read before the change');
    expect(await inFlight).toBe('read before the change');
    expect(await c.getOrLoad('k', loader('read after the change'))).toBe('read after the change');
  });

  it('keeps at most maxEntries, dropping the least recently used first', async () => {
    const c = cache(2);
    await c.getOrLoad('a', loader('a'));
    await c.getOrLoad('b', loader('b'));
    await c.getOrLoad('a', loader('a again'));
    await c.getOrLoad('c', loader('c'));
    expect(c.size).toBe(2);
    expect(await c.getOrLoad('b', loader('b again'))).toBe('b again');
    expect(await c.getOrLoad('c', loader('c again'))).toBe('c');
    expect(c.size).toBe(2);
  });

  it('drops an expired entry when it is read', async () => {
    const c = cache();
    await c.getOrLoad('a', loader('a'));
    await c.getOrLoad('b', loader('b'));
    clock = start + 1500;
    expect(await c.getOrLoad('a', loader(null))).toBeNull();
    expect(c.size).toBe(1);
  });

  it('peeks without loading, and serves what set stored until it expires', async () => {
    const c = cache();
    expect(c.peek('a')).toBeUndefined();
    c.set('a', 'stored');
    clock = start + 1000;
    expect(c.peek('a')).toBe('stored');
    const load = loader('loaded');
    expect(await c.getOrLoad('a', load)).toBe('stored');
    expect(load.calls).toBe(0);
    clock = start + 1001;
    expect(c.peek('a')).toBeUndefined();
  });

  it('refresh stores what a read made anyway, unless it is null or an invalidate came while it ran', async () => {
    const c = cache();
    const stateOf = (read: { state: string } | null) => read?.state ?? null;
    const document = { state: 'on' };
    expect(await c.refresh('a', async () => document, stateOf)).toBe(document);
    expect(c.peek('a')).toBe('on');
    expect(await c.refresh('b', async () => null, stateOf)).toBeNull();
    expect(c.peek('b')).toBeUndefined();
    let finishRead: (value: { state: string }) => void = () => undefined;
    const inFlight = c.refresh('a', () => new Promise<{ state: string }>((resolve) => (finishRead = resolve)), stateOf);
    c.invalidate('a');
    finishRead({ state: 'read before the change' });
    expect(await inFlight).toEqual({ state: 'read before the change' });
    expect(c.peek('a')).toBeUndefined();
  });
});
