import { Injectable, OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { AppConfig } from '../config/app-config.js';

/** argon2id hashing off the event loop (argon2 runs in libuv's thread pool). */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.Options & { type: typeof argon2.argon2id };
  /** Verified against when the email is unknown, so that path costs the same as a wrong password. */
  private dummyHash: string;
  /**
   * One hash per core at a time. argon2 is memory-hard: more at once than cores (libuv runs four)
   * makes them evict each other from the CPU caches, and takes every core from the event loop
   * (BENCHMARKS.md has the figures).
   */
  private readonly slots = pLimit(availableParallelism());

  constructor(config: AppConfig) {
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

  hash(password: string): Promise<string> {
    return this.slots(() => argon2.hash(password, this.options));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.slots(() => argon2.verify(hash, password));
    } catch {
      // A malformed stored hash cannot match any password.
      return false;
    }
  }

  /** Spends the time of one verification and always answers false. */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(this.dummyHash, password);
    return false;
  }
}
