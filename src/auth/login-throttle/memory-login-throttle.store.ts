import { LoginThrottleStore, type RecordOutcome } from './login-throttle.store.js';

/** Failures in this process only: for tests (LOGIN_THROTTLE_STORE=memory needs NODE_ENV=test). */
export class MemoryLoginThrottleStore extends LoginThrottleStore {
  /** By email slot: the address slot and when the failure expires (epoch ms). */
  private readonly failures = new Map<string, { addressSlot: string; expiresAt: number }>();
  private readonly addressSlots = new Set<string>();

  record(emailSlot: string, addressSlot: string, expiresAt: Date): Promise<RecordOutcome> {
    if (this.failures.has(emailSlot)) return Promise.resolve('email-slot-taken');
    if (this.addressSlots.has(addressSlot)) return Promise.resolve('address-slot-taken');
    this.failures.set(emailSlot, { addressSlot, expiresAt: expiresAt.getTime() });
    this.addressSlots.add(addressSlot);
    return Promise.resolve('recorded');
  }

  holdsEmailSlot(emailSlot: string): Promise<boolean> {
    return Promise.resolve(this.failures.has(emailSlot));
  }

  sweep(now: Date): Promise<number> {
    let removed = 0;
    for (const [emailSlot, { addressSlot, expiresAt }] of this.failures) {
      if (expiresAt > now.getTime()) continue;
      this.failures.delete(emailSlot);
      this.addressSlots.delete(addressSlot);
      removed += 1;
    }
    return Promise.resolve(removed);
  }
}
