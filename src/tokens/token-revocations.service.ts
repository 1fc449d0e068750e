import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { RevokedTokensRepository } from './persistence/revoked-tokens.repository.js';

/** Tokens whose revocation state this instance remembers. */
const CHECK_CACHE_ENTRIES = 10_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Single tokens ended by a logout. A token's state is read at most once per
 * CROSS_INSTANCE_STALENESS_MS per instance: a logout applies at once on the instance that took it
 * and within that bound on the others, like every other credential change.
 */
@Injectable()
export class TokenRevocations implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TokenRevocations.name);
  private readonly checks = new ExpiringCache<boolean>({ ttlMs: CROSS_INSTANCE_STALENESS_MS, maxEntries: CHECK_CACHE_ENTRIES });
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly revoked: RevokedTokensRepository) {}

  async revoke(tokenId: string, expiresAt: Date): Promise<void> {
    await this.revoked.insert(tokenId, expiresAt);
    this.checks.invalidate(tokenId);
  }

  isRevoked(tokenId: string): Promise<boolean> {
    return this.checks.getOrLoad(tokenId, () => this.revoked.exists(tokenId));
  }

  onApplicationBootstrap(): void {
    this.sweepTimer = setInterval(() => {
      this.revoked
        .deleteExpired(new Date())
        .catch((error: unknown) => this.logger.warn(`Revoked-token sweep failed: ${(error as Error).message}`));
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }
}
