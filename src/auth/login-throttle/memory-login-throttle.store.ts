import { LoginThrottleStore } from './login-throttle.store.js';

/** Slots in this process only: for tests (LOGIN_THROTTLE_STORE=memory needs NODE_ENV=test). */
export class MemoryLoginThrottleStore extends LoginThrottleStore {
  /** Occupied slot ids and when each expires (epoch ms). */
  private readonly slots = new Map<string, number>();

  occupy(id: string, expiresAt: Date): Promise<boolean> {
    if (this.slots.has(id)) return Promise.resolve(false);
    this.slots.set(id, expiresAt.getTime());
    return Promise.resolve(true);
  }

  release(id: string): Promise<void> {
    this.slots.delete(id);
    return Promise.resolve();
  }

  sweep(now: Date): Promise<number> {
    let removed = 0;
    for (const [id, expiresAt] of this.slots) {
      if (expiresAt > now.getTime()) continue;
      this.slots.delete(id);
      removed += 1;
    }
    return Promise.resolve(removed);
  }
}
