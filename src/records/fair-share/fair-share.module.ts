import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

/**
 * The instance's one TenantRateLimiter (TENANT_RATE_LIMIT): every module with a controller under
 * `/org/records` imports this module, so that all of them draw on the same per-organization budget.
 */
@Module({
  providers: [
    {
      provide: TenantRateLimiter,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new TenantRateLimiter({ ratePerSecond: config.tenantData.rateLimit }),
    },
  ],
  exports: [TenantRateLimiter],
})
export class FairShareModule {}
