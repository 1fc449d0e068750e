import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { mongo } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { TenantClusters } from '../clusters/tenant-clusters.service.js';
import { namespaceOf, type Placement } from '../placement.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';

export type TenantRecordCollection = mongo.Collection<StoredTenantRecord>;

type Namespace = Pick<Placement, 'cluster' | 'database' | 'collection'>;

/**
 * The driver's collection objects of tenant collections, one per cluster, database and
 * collection, in a bounded LRU cache (TENANT_MODEL_CACHE_SIZE; the metrics keep their
 * `tenant_model_cache_*` names).
 *
 * Performance choice, measured in BENCHMARKS.md (memory of the 10,000-organization instance): these
 * were Mongoose models, of which only `.collection` was used; each first use compiled a model and
 * Mongoose's collection wrapper sat between every read and the driver.
 */
@Injectable()
export class TenantCollectionRegistry {
  private readonly collections: LRUCache<string, TenantRecordCollection>;
  private readonly capacity: number;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly clusters: TenantClusters,
    config: AppConfig,
  ) {
    this.capacity = config.tenantModelCacheSize;
    this.collections = new LRUCache<string, TenantRecordCollection>({ max: this.capacity });
  }

  /** The collection; opens its cluster's connection on first use. */
  async collectionFor(namespace: Namespace): Promise<TenantRecordCollection> {
    const key = namespaceOf(namespace);
    const cached = this.collections.get(key);
    if (cached) {
      this.hitCount += 1;
      return cached;
    }
    const connection = await this.clusters.database(namespace.cluster, namespace.database);
    const raced = this.collections.get(key);
    if (raced) return raced;
    this.missCount += 1;
    const collection = connection.db!.collection<StoredTenantRecord>(namespace.collection);
    this.collections.set(key, collection);
    return collection;
  }

  /** Whether the collection's object is cached (without counting as a use). */
  holds(namespace: Namespace): boolean {
    return this.collections.has(namespaceOf(namespace));
  }

  /** Forgets the collection: it was renamed or dropped. */
  evict(namespace: Namespace): void {
    this.collections.delete(namespaceOf(namespace));
  }

  get stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.collections.size, capacity: this.capacity, hits: this.hitCount, misses: this.missCount };
  }
}
