import { LoginThrottleStore, ThrottleCounter } from './login-throttle.store.js';

/** Counters in this process only: for tests (LOGIN_THROTTLE_STORE=memory needs NODE_ENV=test). */
export class MemoryLoginThrottleStore extends LoginThrottleStore {
  private readonly counters = new Map<string, ThrottleCounter>();

  async hit(key: string, windowMs: number, now: Date): Promise<ThrottleCounter> {
    const current = this.counters.get(key);
    const counter =
      current && current.windowEndsAt > now
        ? { count: current.count + 1, windowEndsAt: current.windowEndsAt }
        : { count: 1, windowEndsAt: new Date(now.getTime() + windowMs) };
    this.counters.set(key, counter);
    return { ...counter };
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }

  async sweep(now: Date): Promise<number> {
    let removed = 0;
    for (const [key, counter] of this.counters) {
      if (counter.windowEndsAt <= now) {
        this.counters.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
