import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import { clientAddressKey } from './client-address.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleStore } from './login-throttle.store.js';

/** Attempts that left the window are swept this often at most (and at least once per window). */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * Brute-force limits on POST /admin/login, in a sliding window of LOGIN_WINDOW_SECONDS:
 * - per client address, every attempt counts (LOGIN_MAX_ATTEMPTS_PER_IP);
 * - per email, every attempt since the last success counts (LOGIN_MAX_FAILURES_PER_EMAIL).
 * The email's attempt is recorded before the password is checked, so parallel guesses cannot
 * overshoot the limit, and a success forgets the email's attempts; so it counts failures. Over a
 * limit the answer is 429 with Retry-After, before any lookup of the admin or password hashing.
 *
 * Refused attempts are not recorded, so they never extend a lock: a locked key opens again at most
 * LOGIN_WINDOW_SECONDS after the last attempt that was let through.
 */
@Injectable()
export class LoginThrottleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottleService.name);
  private readonly windowMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: LoginThrottleStore,
    private readonly config: AppConfig,
  ) {
    this.windowMs = config.loginThrottle.windowSeconds * 1000;
  }

  /** Counts a login attempt; throws TooManyLoginAttemptsError when a limit is exceeded. */
  async beginAttempt(clientAddress: string, email: string, now = new Date()): Promise<void> {
    const { maxAttemptsPerIp, maxFailuresPerEmail } = this.config.loginThrottle;
    await this.take(addressKey(clientAddress), maxAttemptsPerIp, now);
    await this.take(emailKey(email), maxFailuresPerEmail, now);
  }

  /** The email's password was right: its failures no longer count. */
  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(emailKey(email));
  }

  /** Removes the attempts that left the window; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    return this.store.sweep(new Date(now.getTime() - this.windowMs));
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

  /** Records an attempt against `key` unless that exceeds `limit` attempts in the window. */
  private async take(key: string, limit: number, now: Date): Promise<void> {
    const since = new Date(now.getTime() - this.windowMs);
    // At the limit already: refused without being recorded.
    if ((await this.store.count(key, since)) < limit) {
      await this.store.record(key, now);
      // Counted after recording: of any number of concurrent attempts, at most `limit` pass.
      if ((await this.store.count(key, since)) <= limit) return;
    }
    throw new TooManyLoginAttemptsError(await this.retryAfterSeconds(key, limit, since, now));
  }

  /** Seconds until enough of the key's oldest attempts have left the window to let one more in. */
  private async retryAfterSeconds(key: string, limit: number, since: Date, now: Date): Promise<number> {
    const count = await this.store.count(key, since);
    const freeingAttempt = await this.store.attemptAt(key, since, Math.max(0, count - limit));
    const waitMs = freeingAttempt ? freeingAttempt.getTime() + this.windowMs - now.getTime() : 0;
    return Math.max(1, Math.ceil(waitMs / 1000));
  }
}

function addressKey(clientAddress: string): string {
  return `ip:${clientAddressKey(clientAddress)}`;
}

/** Hashed, so attacker-chosen addresses are not stored as given. */
function emailKey(email: string): string {
  return `email:${createHash('sha256').update(email).digest('base64url')}`;
}
