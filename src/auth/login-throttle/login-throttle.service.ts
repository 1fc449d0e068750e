import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import { clientAddressKey } from './client-address.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleStore } from './login-throttle.store.js';

/** Expired slots are swept this often at most (and at least once per window). */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * Most keys (per window) whose slots this instance remembers, least recently used forgotten first.
 * Forgetting costs only database calls: the key's taken slots are found again by trying them.
 */
const MAX_TRACKED_WINDOWS = 10_000;

/** What this instance knows of one key's slots in one window. */
interface WindowSlots {
  readonly key: string;
  readonly window: number;
  readonly limit: number;
  /** The lowest slot this instance has not handed out yet; at the limit, attempts are refused without a database call. */
  next: number;
  /** Slots to hand out before `next`: given back by attempts that did not fail here. */
  readonly free: number[];
}

/** One slot an attempt in flight holds in this instance's memory. */
interface HeldSlot {
  readonly slots: WindowSlots;
  readonly slot: number;
}

/** A login attempt let through: the email and address slots it holds until it is settled. */
export interface LoginAttempt {
  email: HeldSlot;
  address: HeldSlot;
  readonly windowEnd: Date;
}

/**
 * Brute-force limits on POST /admin/login, in fixed windows of LOGIN_WINDOW_SECONDS aligned to the
 * epoch (window w runs from w * length to (w + 1) * length). Only failures count:
 * - per email, failures from any address (LOGIN_MAX_FAILURES_PER_EMAIL: brute force);
 * - per client address, failures across all emails (LOGIN_MAX_FAILURES_PER_IP: credential stuffing).
 * Over a limit the answer is 429 with Retry-After (the rest of the window), before the member is
 * looked up or any password hashed.
 *
 * Each key has `limit` slots per window. An attempt holds one slot of each key in this instance's
 * memory while it runs, so concurrent guesses here never pass a limit. A failure is recorded in the
 * shared store as one document holding both slots, inserted once: the only write a login makes
 * here. A success gives its slots back without writing anything. Before letting an attempt through,
 * the email's next slot is read, so failures recorded by other instances count at once for the
 * email; the address's failures on other instances are learnt when this instance records one of its
 * own and finds their slots taken. Guesses racing on several instances at the same moment can
 * therefore pass a limit by what each instance has in flight, once: after that the slots are taken.
 *
 * Refused attempts hold nothing, so they never extend a lock: it opens when its window ends, at most
 * LOGIN_WINDOW_SECONDS after the failure that filled it. Being fixed, windows let up to twice a limit
 * through in a short time around a window boundary.
 */
@Injectable()
export class LoginThrottleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly windowMs: number;
  /** By `<key>|<window>`. */
  private readonly tracked = new LRUCache<string, WindowSlots>({ max: MAX_TRACKED_WINDOWS });
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: LoginThrottleStore,
    private readonly config: AppConfig,
  ) {
    this.windowMs = config.loginThrottle.windowSeconds * 1000;
  }

  /** Lets a login attempt through, holding an address and an email slot, or throws TooManyLoginAttemptsError. */
  async beginAttempt(clientAddress: string, email: string, now = new Date()): Promise<LoginAttempt> {
    const { maxFailuresPerIp, maxFailuresPerEmail } = this.config.loginThrottle;
    const window = this.windowOf(now);
    const windowEnd = new Date((window + 1) * this.windowMs);
    const address = this.hold(this.slotsOf(addressKey(clientAddress), window, maxFailuresPerIp), now, windowEnd);
    try {
      return {
        address,
        email: await this.holdUnrecordedEmailSlot(emailKey(email), window, maxFailuresPerEmail, now, windowEnd),
        windowEnd,
      };
    } catch (error) {
      // A refused attempt holds nothing.
      giveBack(address);
      throw error;
    }
  }

  /**
   * Runs the credential check of an attempt let through and settles the attempt by its outcome: a
   * failure (`succeeded` false) is recorded, a success gives the slots back. An error settles nothing
   * and gives the slots back: the attempt was neither.
   */
  async settle<T>(attempt: LoginAttempt, check: () => Promise<T>, succeeded: (outcome: T) => boolean): Promise<T> {
    let outcome: T;
    try {
      outcome = await check();
    } catch (error) {
      releaseAttempt(attempt);
      throw error;
    }
    if (succeeded(outcome)) releaseAttempt(attempt);
    else await this.recordFailure(attempt);
    return outcome;
  }

  /** Removes expired failures (and forgets this instance's notes on past windows); returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const window = this.windowOf(now);
    for (const [id, slots] of this.tracked.entries()) if (slots.window < window) this.tracked.delete(id);
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

  /**
   * Records the failure in the slots it holds. A slot another instance filled meanwhile counts as
   * used here from now on, and the failure moves to the key's next one; with none left the key is
   * full, which is all the failure needed to show.
   */
  private async recordFailure(attempt: LoginAttempt): Promise<void> {
    for (;;) {
      const outcome = await this.store.record(slotId(attempt.email), slotId(attempt.address), attempt.windowEnd).catch((error: unknown) => {
        // Not recorded: the slots are free again, for the next attempt to try.
        releaseAttempt(attempt);
        throw error;
      });
      if (outcome === 'recorded') return;
      const taken = outcome === 'email-slot-taken' ? 'email' : 'address';
      const next = nextSlot(attempt[taken].slots);
      if (next === undefined) {
        giveBack(attempt[taken === 'email' ? 'address' : 'email']);
        return;
      }
      attempt[taken] = { slots: attempt[taken].slots, slot: next };
    }
  }

  /** One of the key's free slots, held until the attempt is settled, or TooManyLoginAttemptsError. */
  private hold(slots: WindowSlots, now: Date, windowEnd: Date): HeldSlot {
    // Taken synchronously, so concurrent attempts in this process never hold the same slot.
    const slot = nextSlot(slots);
    if (slot === undefined) throw new TooManyLoginAttemptsError(Math.max(1, Math.ceil((windowEnd.getTime() - now.getTime()) / 1000)));
    return { slots, slot };
  }

  /** An email slot no failure holds yet, reading the store for the slot this instance would hand out. */
  private async holdUnrecordedEmailSlot(key: string, window: number, limit: number, now: Date, windowEnd: Date): Promise<HeldSlot> {
    const slots = this.slotsOf(key, window, limit);
    for (;;) {
      const held = this.hold(slots, now, windowEnd);
      let recorded: boolean;
      try {
        recorded = await this.store.holdsEmailSlot(slotId(held));
      } catch (error) {
        giveBack(held);
        throw error;
      }
      if (!recorded) return held;
      // Recorded by another instance (or before this one forgot the key): used, so try the next.
    }
  }

  private slotsOf(key: string, window: number, limit: number): WindowSlots {
    const id = `${key}|${window}`;
    let slots = this.tracked.get(id);
    if (slots === undefined) this.tracked.set(id, (slots = { key, window, limit, next: 0, free: [] }));
    return slots;
  }

  private windowOf(now: Date): number {
    return Math.floor(now.getTime() / this.windowMs);
  }
}

function nextSlot(slots: WindowSlots): number | undefined {
  return slots.free.pop() ?? (slots.next < slots.limit ? slots.next++ : undefined);
}

/** Frees a held slot for the next attempt here; a slot of a past window no longer counts anyway. */
function giveBack({ slots, slot }: HeldSlot): void {
  slots.free.push(slot);
}

function releaseAttempt(attempt: LoginAttempt): void {
  giveBack(attempt.email);
  giveBack(attempt.address);
}

function slotId({ slots, slot }: HeldSlot): string {
  return `${slots.key}|${slots.window}|${slot}`;
}

function addressKey(clientAddress: string): string {
  return `ip:${clientAddressKey(clientAddress)}`;
}

/** Hashed, so attacker-chosen addresses are not stored as given. */
function emailKey(email: string): string {
  return `email:${createHash('sha256').update(email).digest('base64url')}`;
}
