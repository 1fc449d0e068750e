import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { LockKey } from './lock-keys.js';
import { LeasesRepository } from './leases.repository.js';
import { StepClaimsRepository } from './step-claims.repository.js';
import { TransitionTicketsRepository } from './transition-tickets.repository.js';

/**
 * Mutual exclusion between instances, the one way the service does it: every lock is won by
 * inserting a unique `_id` (FerretDB lets several concurrent conditional updates of one document
 * all succeed; an insert it does not). Three kinds: an exclusive lock, held until released (a crash
 * leaves it for the reconciler, see OrganizationReconciler); a lease, held for a term; and a step
 * claim, taken once for good.
 */
@Injectable()
export class Locks {
  constructor(
    private readonly tickets: TransitionTicketsRepository,
    private readonly leases: LeasesRepository,
    private readonly steps: StepClaimsRepository,
  ) {}

  /**
   * Claims one step (StepKeys) for `seconds`: true for the one caller whose insert wins. The claim
   * stays after the step (so a late caller with an old view cannot take it again); a claim that ran
   * out unfinished (its holder died) is taken over, again by one insert. One insert on the way that
   * matters, where a lease would cost a read, an insert and two deletes.
   */
  async claimStep(key: LockKey, holder: string, seconds: number): Promise<boolean> {
    const expiresAt = new Date(Date.now() + seconds * 1000);
    if (await this.steps.insert(key, holder, expiresAt)) return true;
    return (await this.steps.deleteExpired(key, new Date())) && this.steps.insert(key, holder, expiresAt);
  }

  /** Forgets step claims that ran out before the cutoff (steps long done). */
  pruneStepClaims(cutoff: Date): Promise<void> {
    return this.steps.deleteExpiredBefore(cutoff);
  }

  /**
   * Runs `work` while holding `key`; a caller that finds it held gets `busy()` instead (which may
   * throw). The lock is released when `work` ends, also when it throws, unless `keepOnError`: a
   * change that failed half way then stays locked, and the reconciler finishes or undoes it.
   */
  async runExclusive<T, B>(key: LockKey, work: () => Promise<T>, busy: () => B, options: { keepOnError?: boolean } = {}): Promise<T | B> {
    return this.runExclusiveAll([key], work, busy, options);
  }

  /** runExclusive over several keys, taken in the order given (callers keep one order, so two never wait on each other). */
  async runExclusiveAll<T, B>(
    keys: LockKey[],
    work: () => Promise<T>,
    busy: () => B,
    options: { keepOnError?: boolean } = {},
  ): Promise<T | B> {
    const holder = randomUUID();
    const held: LockKey[] = [];
    let failed = false;
    try {
      for (const key of keys) {
        if (!(await this.tickets.take(key, holder))) return busy();
        held.push(key);
      }
      return await work();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (!(failed && options.keepOnError)) for (const key of held) await this.tickets.release(key, holder);
    }
  }

  /** Takes the lease `key` for the next `seconds`, or renews it for its holder; false while another holds it. */
  holdLease(key: LockKey, holder: string, seconds: number): Promise<boolean> {
    return this.leases.acquire(key, holder, seconds);
  }

  /** Gives a held lease up before its term ends (a graceful shutdown), so another instance need not wait it out. */
  releaseLease(key: LockKey, holder: string): Promise<void> {
    return this.leases.release(key, holder);
  }

  /** Exclusive locks taken before the cutoff: left by a crash, so the change each names may be half done. */
  heldSince(cutoff: Date): Promise<string[]> {
    return this.tickets.findTakenBefore(cutoff);
  }

  /** Releases every exclusive lock taken before the cutoff (their changes finished by now); how many. */
  releaseHeldSince(cutoff: Date): Promise<number> {
    return this.tickets.releaseTakenBefore(cutoff);
  }
}
