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
  readonly key: string;
  readonly window: number;
  /** The lowest slot this instance has not tried yet; at the limit, attempts are refused without a write. */
  next: number;
  /** Slots to try before `next`: given back by successful logins here, or left by a write that failed. */
  readonly free: number[];
}

/** One slot an attempt occupies. */
interface OccupiedSlot {
  readonly slots: WindowSlots;
  readonly slot: number;
}

/** A login attempt let through: the address and email slots it occupies until it succeeds. */
export interface LoginAttempt {
  readonly occupied: readonly OccupiedSlot[];
}

/**
 * Brute-force limits on POST /admin/login, in fixed windows of LOGIN_WINDOW_SECONDS aligned to the
 * epoch (window w runs from w * length to (w + 1) * length). Only failures count:
 * - per client address, failures across all emails (LOGIN_MAX_FAILURES_PER_IP: credential stuffing);
 * - per email, failures from any address (LOGIN_MAX_FAILURES_PER_EMAIL: brute force).
 * Both slots are taken before the password is checked, so parallel guesses cannot overshoot; a
 * successful login gives both back, so many people behind one address all log in, while earlier
 * failures keep counting until the window ends.
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

  /** Lets a login attempt through, holding its address and email slots, or throws TooManyLoginAttemptsError. */
  async beginAttempt(clientAddress: string, email: string, now = new Date()): Promise<LoginAttempt> {
    const { maxFailuresPerIp, maxFailuresPerEmail } = this.config.loginThrottle;
    const address = await this.occupySlot(addressKey(clientAddress), maxFailuresPerIp, now);
    try {
      return { occupied: [address, await this.occupySlot(emailKey(email), maxFailuresPerEmail, now)] };
    } catch (error) {
      // A refused attempt occupies nothing.
      await this.giveBack(address);
      throw error;
    }
  }

  /** The password was right: the attempt gives its slots back, so a success never uses a budget. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    for (const occupied of attempt.occupied) await this.giveBack(occupied);
  }

  /** Removes expired slots (and forgets this instance's notes on past windows); returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const window = this.windowOf(now);
    for (const [id, slots] of this.tracked) if (slots.window < window) this.tracked.delete(id);
    return this.store.sweep(now);
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(
      () => {
        this.sweep().catch((error: unknown) => this.logger.warn(`Login throttle sweep failed: ${(error as Error).message}`));
      },
      Math.min(this.windowMs, MAX_SWEEP_INTERVAL_MS),
    );
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** Frees a slot for the next attempt here; a slot of a past window no longer counts anyway. */
  private async giveBack({ slots, slot }: OccupiedSlot): Promise<void> {
    await this.store.release(slotId(slots.key, slots.window, slot));
    slots.free.push(slot);
  }

  /** Occupies one of `key`'s `limit` slots in the current window, or throws TooManyLoginAttemptsError. */
  private async occupySlot(key: string, limit: number, now: Date): Promise<OccupiedSlot> {
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
    const slots = this.tracked.get(id) ?? { key, window, next: 0, free: [] };
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
