import { LoginThrottleStore } from './login-throttle.store.js';

/** Attempts in this process only: for tests (LOGIN_THROTTLE_STORE=memory needs NODE_ENV=test). */
export class MemoryLoginThrottleStore extends LoginThrottleStore {
  /** Per key, attempt times in ascending order. */
  private readonly attempts = new Map<string, number[]>();

  async record(key: string, at: Date): Promise<void> {
    const times = this.attempts.get(key) ?? [];
    times.push(at.getTime());
    times.sort((a, b) => a - b);
    this.attempts.set(key, times);
  }

  async count(key: string, since: Date): Promise<number> {
    return this.inWindow(key, since).length;
  }

  async attemptAt(key: string, since: Date, index: number): Promise<Date | null> {
    const time = this.inWindow(key, since)[index];
    return time === undefined ? null : new Date(time);
  }

  async reset(key: string): Promise<void> {
    this.attempts.delete(key);
  }

  async sweep(cutoff: Date): Promise<number> {
    let removed = 0;
    for (const [key, times] of this.attempts) {
      const kept = times.filter((time) => time > cutoff.getTime());
      removed += times.length - kept.length;
      if (kept.length > 0) this.attempts.set(key, kept);
      else this.attempts.delete(key);
    }
    return removed;
  }

  private inWindow(key: string, since: Date): number[] {
    return (this.attempts.get(key) ?? []).filter((time) => time > since.getTime());
  }
}
