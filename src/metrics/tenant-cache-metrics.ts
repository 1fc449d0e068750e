import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { TenantClusters } from '../tenants/clusters/tenant-clusters.service.js';
import { TenantCollectionRegistry } from '../tenants/persistence/tenant-collection.registry.js';

/** The tenant model cache's size, capacity and hit rate, and each cluster's operations and errors, read from their own counts at scrape time. */
@Injectable()
export class TenantCacheMetrics {
  constructor(registry: Registry, models: TenantCollectionRegistry, clusters: TenantClusters) {
    new Counter({
      name: 'tenant_cluster_operations_total',
      help: 'Tenant data operations per cluster since start.',
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        // Mirrors the clusters' own monotonic counts.
        this.reset();
        for (const { name, requests } of clusters.counts()) this.inc({ cluster: name }, requests);
      },
    });
    new Counter({
      name: 'tenant_cluster_errors_total',
      help: 'Tenant data operations per cluster since start that failed (an unreachable cluster among them).',
      labelNames: ['cluster'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { name, errors } of clusters.counts()) this.inc({ cluster: name }, errors);
      },
    });
    new Gauge({
      name: 'tenant_model_cache_size',
      help: 'Tenant collections whose driver objects are cached.',
      registers: [registry],
      collect() {
        this.set(models.stats.size);
      },
    });
    new Gauge({
      name: 'tenant_model_cache_capacity',
      help: 'Most tenant collection objects kept (TENANT_MODEL_CACHE_SIZE).',
      registers: [registry],
      collect() {
        this.set(models.stats.capacity);
      },
    });
    new Counter({
      name: 'tenant_model_cache_lookups_total',
      help: 'Tenant model lookups since start, by result (hit or miss).',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        // Mirrors the cache's own monotonic counts.
        const { hits, misses } = models.stats;
        this.reset();
        this.inc({ result: 'hit' }, hits);
        this.inc({ result: 'miss' }, misses);
      },
    });
    new Gauge({
      name: 'tenant_model_cache_hit_ratio',
      help: 'Share of tenant model lookups since start that found a cached model (0 before the first lookup).',
      registers: [registry],
      collect() {
        const { hits, misses } = models.stats;
        this.set(hits + misses === 0 ? 0 : hits / (hits + misses));
      },
    });
  }
}
