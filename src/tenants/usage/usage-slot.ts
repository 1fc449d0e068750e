import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LeaseKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import { AppConfig } from '../../config/app-config.js';

/** Slots tried before giving up: more instances than this at once is not a deployment this serves. */
const MAX_SLOTS = 1000;

/**
 * The usage slot this instance writes its part of each organization's usage under: the lowest
 * number whose lease (`usage-slot:<n>`, terms won by insert) no live instance holds. A slot is
 * reused after its instance is gone, so an organization's usage has as many parts as instances
 * ever ran at the same time, not one per instance ever started.
 */
@Injectable()
export class UsageSlot implements OnApplicationShutdown {
  private readonly logger = new Logger(UsageSlot.name);
  private readonly holder = randomUUID();
  private slot: Promise<number> | null = null;
  private heldAt = 0;

  constructor(
    private readonly locks: Locks,
    private readonly config: AppConfig,
  ) {}

  /** The slot, taken on first use and renewed by use once a third of its lease has passed. */
  async current(): Promise<number> {
    const renewAfterMs = (this.config.lifecycle.leaseSeconds * 1000) / 3;
    if (this.slot && Date.now() - this.heldAt > renewAfterMs) {
      const held = await this.slot;
      if (!(await this.locks.holdLease(LeaseKeys.usageSlot(held), this.holder, this.config.lifecycle.leaseSeconds))) {
        // Another instance took it over (this one was away longer than the lease): take another.
        this.logger.warn(`Usage slot ${held} was taken over; taking another`);
        this.slot = null;
      } else {
        this.heldAt = Date.now();
      }
    }
    this.slot ??= this.take().catch((error: unknown) => {
      this.slot = null;
      throw error;
    });
    return this.slot;
  }

  onApplicationShutdown(): void {
    this.slot = null;
  }

  private async take(): Promise<number> {
    for (let slot = 0; slot < MAX_SLOTS; slot += 1) {
      if (await this.locks.holdLease(LeaseKeys.usageSlot(slot), this.holder, this.config.lifecycle.leaseSeconds)) {
        this.heldAt = Date.now();
        return slot;
      }
    }
    throw new Error(`All ${MAX_SLOTS} usage slots are held`);
  }
}
