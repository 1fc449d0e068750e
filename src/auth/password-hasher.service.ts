import { Injectable, OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';

/** argon2id hashing off the event loop (argon2 runs in libuv's thread pool). */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.Options & { type: typeof argon2.argon2id };
  /** Verified against when the email is unknown, so that path costs the same as a wrong password. */
  private dummyHash: string;

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
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
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
