import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import { clientAddressKey } from './client-address.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleStore } from './login-throttle.store.js';

/** Expired slots are swept this often at most (and at least once per window). */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * Most keys (per window) whose slots this instance remembers, least recently used forgotten first.
 * Forgetting costs only failed inserts: the key's taken slots are found again by trying them.
 */
const MAX_TRACKED_WINDOWS = 10_000;

/** What this instance knows of one key's slots in one window. */
interface WindowSlots {
  readonly window: number;
  /** The lowest slot this instance has not tried yet; at the limit, attempts are refused without a write. */
  next: number;
  /** Slots to try before `next`: given back by successful logins here, or left by a write that failed. */
  readonly free: number[];
  /** Email slots occupied by attempts here that have not succeeded: failures, or still in flight. */
  readonly held: number[];
}

/**
 * Brute-force limits on POST /admin/login, in fixed windows of LOGIN_WINDOW_SECONDS aligned to the
 * epoch (window w runs from w * length to (w + 1) * length):
 * - per client address, every attempt counts (LOGIN_MAX_ATTEMPTS_PER_IP);
 * - per email, failures count (LOGIN_MAX_FAILURES_PER_EMAIL). The email's slot is taken before the
 *   password is checked, so parallel guesses cannot overshoot; a successful login gives its slot
 *   back, so successes never use the budget, while earlier failures keep counting until the window
 *   ends.
 * Over a limit the answer is 429 with Retry-After (the rest of the window), before any lookup of the
 * admin or password hashing.
 *
 * An attempt passes a limit by occupying one of the key's `limit` slots in the window: inserting
 * `<key>|<window>|<n>` as a new `_id`, which fails if that slot is taken. So at most `limit` attempts
 * per key and window get through across all instances, and a login's database work is inserts and
 * deletes by `_id` only. Which `n` to try comes from this instance's memory of the key (taken before
 * awaiting, so concurrent attempts here try distinct slots); a slot taken by another instance costs
 * one failed insert.
 *
 * Refused attempts occupy nothing, so they never extend a lock: it opens when its window ends, at
 * most LOGIN_WINDOW_SECONDS after the attempt that filled it. Being fixed, windows let up to twice a
 * limit through in a short time around a window boundary.
 */
@Injectable()
export class LoginThrottleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly windowMs: number;
  /** By `<key>|<window>`; insertion order is least recently used first. */
  private readonly tracked = new Map<string, WindowSlots>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: LoginThrottleStore,
    private readonly config: AppConfig,
  ) {
    this.windowMs = config.loginThrottle.windowSeconds * 1000;
  }

  /** Lets a login attempt through or throws TooManyLoginAttemptsError. */
  async beginAttempt(clientAddress: string, email: string, now = new Date()): Promise<void> {
    const { maxAttemptsPerIp, maxFailuresPerEmail } = this.config.loginThrottle;
    await this.occupySlot(addressKey(clientAddress), maxAttemptsPerIp, now);
    const { slots, slot } = await this.occupySlot(emailKey(email), maxFailuresPerEmail, now);
    slots.held.push(slot);
  }

  /**
   * The email's password was right: gives back the email slot of one of this instance's unfinished
   * attempts in the current window. That is this attempt's own slot, or, when attempts on the same
   * email run here concurrently, another one's, which counts the same. An attempt begun in an
   * earlier window holds nothing that still counts.
   */
  async recordSuccess(email: string, now = new Date()): Promise<void> {
    const key = emailKey(email);
    const window = this.windowOf(now);
    const slots = this.tracked.get(`${key}|${window}`);
    const slot = slots?.held.pop();
    if (slots === undefined || slot === undefined) return;
    await this.store.release(slotId(key, window, slot));
    slots.free.push(slot);
  }

  /** Removes expired slots (and forgets this instance's notes on past windows); returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const window = this.windowOf(now);
    for (const [id, slots] of this.tracked) if (slots.window < window) this.tracked.delete(id);
    return this.store.sweep(now);
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.logger.warn(`Login throttle sweep failed: ${(error as Error).message}`));
    }, Math.min(this.windowMs, MAX_SWEEP_INTERVAL_MS));
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** Occupies one of `key`'s `limit` slots in the current window, or throws TooManyLoginAttemptsError. */
  private async occupySlot(key: string, limit: number, now: Date): Promise<{ slots: WindowSlots; slot: number }> {
    const window = this.windowOf(now);
    const windowEnd = new Date((window + 1) * this.windowMs);
    const slots = this.slotsOf(key, window);
    for (;;) {
      // Chosen before awaiting, so concurrent attempts in this process never try the same slot.
      const slot = slots.free.pop() ?? (slots.next < limit ? slots.next++ : undefined);
      if (slot === undefined) {
        throw new TooManyLoginAttemptsError(Math.max(1, Math.ceil((windowEnd.getTime() - now.getTime()) / 1000)));
      }
      const occupied = await this.store.occupy(slotId(key, window, slot), windowEnd).catch((error: unknown) => {
        // The write may not have happened: try the slot again rather than lose it for the window.
        slots.free.push(slot);
        throw error;
      });
      if (occupied) return { slots, slot };
    }
  }

  private slotsOf(key: string, window: number): WindowSlots {
    const id = `${key}|${window}`;
    const slots = this.tracked.get(id) ?? { window, next: 0, free: [], held: [] };
    this.tracked.delete(id);
    this.tracked.set(id, slots);
    if (this.tracked.size > MAX_TRACKED_WINDOWS) this.tracked.delete(this.tracked.keys().next().value!);
    return slots;
  }

  private windowOf(now: Date): number {
    return Math.floor(now.getTime() / this.windowMs);
  }
}

function slotId(key: string, window: number, slot: number): string {
  return `${key}|${window}|${slot}`;
}

function addressKey(clientAddress: string): string {
  return `ip:${clientAddressKey(clientAddress)}`;
}

/** Hashed, so attacker-chosen addresses are not stored as given. */
function emailKey(email: string): string {
  return `email:${createHash('sha256').update(email).digest('base64url')}`;
}
