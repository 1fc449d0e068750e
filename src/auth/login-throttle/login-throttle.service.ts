import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppConfig } from '../../config/app-config.js';
import { clientAddressKey } from './client-address.js';
import { TooManyLoginAttemptsError } from './login-throttle.errors.js';
import { LoginThrottleStore, ThrottleCounter } from './login-throttle.store.js';

/** Ended windows are swept this often at most (and at least once per window). */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * Brute-force limits on POST /admin/login, in fixed windows of LOGIN_WINDOW_SECONDS:
 * - per client address, every attempt counts (LOGIN_MAX_ATTEMPTS_PER_IP);
 * - per email, every attempt since the last success counts (LOGIN_MAX_FAILURES_PER_EMAIL).
 * The email counter is taken before the password is checked, so parallel guesses cannot overshoot
 * the limit, and a success resets it; so it counts failures. Over a limit the answer is 429 with
 * Retry-After, before any database lookup of the admin or any password hashing.
 *
 * A window's end is fixed when it opens: attempts refused during it never extend it, so a locked
 * email opens again at most LOGIN_WINDOW_SECONDS after its first counted failure.
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
    const perAddress = await this.store.hit(addressKey(clientAddress), this.windowMs, now);
    if (perAddress.count > maxAttemptsPerIp) throw new TooManyLoginAttemptsError(retryAfterSeconds(perAddress, now));
    const perEmail = await this.store.hit(emailKey(email), this.windowMs, now);
    if (perEmail.count > maxFailuresPerEmail) throw new TooManyLoginAttemptsError(retryAfterSeconds(perEmail, now));
  }

  /** The email's password was right: its failures no longer count. */
  async recordSuccess(email: string): Promise<void> {
    await this.store.reset(emailKey(email));
  }

  async sweep(now = new Date()): Promise<number> {
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
}

function addressKey(clientAddress: string): string {
  return `ip:${clientAddressKey(clientAddress)}`;
}

/** Hashed, so attacker-chosen addresses are not stored as given. */
function emailKey(email: string): string {
  return `email:${createHash('sha256').update(email).digest('base64url')}`;
}

function retryAfterSeconds(counter: ThrottleCounter, now: Date): number {
  return Math.max(1, Math.ceil((counter.windowEndsAt.getTime() - now.getTime()) / 1000));
}
