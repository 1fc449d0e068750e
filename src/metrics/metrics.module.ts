import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { TenantsModule } from '../tenants/tenants.module.js';
import { HttpMetrics } from './http-metrics.js';
import { LifecycleMetrics } from './lifecycle-metrics.js';
import { createAppRegistry } from './metrics-registry.js';
import { MetricsController } from './metrics.controller.js';
import { TenantCacheMetrics } from './tenant-cache-metrics.js';

/**
 * GET /metrics in Prometheus format. Global so that the services whose work is counted (the
 * organization lifecycle) can inject their metrics without importing this module.
 */
@Global()
@Module({
  imports: [TenantsModule],
  controllers: [MetricsController],
  providers: [{ provide: Registry, useFactory: createAppRegistry }, HttpMetrics, LifecycleMetrics, TenantCacheMetrics],
  exports: [LifecycleMetrics],
})
export class MetricsModule {}
