import { Injectable, OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { AppConfig } from '../config/app-config.js';
import { HashingBusyError, WeakPasswordError } from './accounts.errors.js';
import { passwordProblem } from './password-policy.js';

/**
 * argon2id hashing off the event loop (argon2 runs in libuv's thread pool), bounded per process:
 * HASH_CONCURRENCY at once, HASH_QUEUE_LIMIT waiting, and past that a 503 at once, so a flood of
 * creates or password changes can neither queue without limit nor starve every login.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.Options & { type: typeof argon2.argon2id };
  /** Verified against when the email is unknown, so that path costs the same as a wrong password. */
  private dummyHash: string;
  /**
   * One hash per core at a time by default. argon2 is memory-hard: more at once than cores (libuv
   * runs four) makes them evict each other from the CPU caches, and takes every core from the
   * event loop (BENCHMARKS.md has the figures).
   */
  private readonly slots: ReturnType<typeof pLimit>;
  private readonly queueLimit: number;

  private readonly minLength: number;

  constructor(config: AppConfig) {
    this.minLength = config.passwordMinLength;
    // One hash per core (HASH_CONCURRENCY): more made them evict each other on 2 cores (docs/performance.md; BENCHMARKS.md login figures).
    this.slots = pLimit(config.hashing.concurrency);
    this.queueLimit = config.hashing.queueLimit;
    this.options = {
      type: argon2.argon2id,
      memoryCost: config.argon2.memoryCost,
      timeCost: config.argon2.timeCost,
      parallelism: config.argon2.parallelism,
    };
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  /** 400 unless the password may be set: long enough, not too long, not one of the most common. */
  assertAcceptable(password: string): void {
    const problem = passwordProblem(password, this.minLength);
    if (problem) throw new WeakPasswordError(problem);
  }

  /** The hash of a password being set, after the policy's check. */
  hashNew(password: string): Promise<string> {
    this.assertAcceptable(password);
    return this.hash(password);
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => argon2.hash(password, this.options));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    const verification = this.bounded(() => argon2.verify(hash, password));
    try {
      return await verification;
    } catch (error) {
      if (error instanceof HashingBusyError) throw error;
      // A malformed stored hash cannot match any password.
      return false;
    }
  }

  /** Every slot busy and every queue place taken: the next hash would be refused. */
  isSaturated(): boolean {
    return this.slots.activeCount >= this.slots.concurrency && this.slots.pendingCount >= this.queueLimit;
  }

  /** Runs the hash in a slot, or refuses it at once when the queue is full. */
  private bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.isSaturated()) return Promise.reject(new HashingBusyError());
    return this.slots(work);
  }

  /** Spends the time of one verification and always answers false. */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }
}
