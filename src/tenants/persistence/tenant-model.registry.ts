import { Injectable } from '@nestjs/common';
import type { Model } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { TenantClusters } from '../clusters/tenant-clusters.service.js';
import { namespaceOf, type Placement } from '../placement.js';
import { TenantRecord, TenantRecordSchema } from './tenant-record.schema.js';

export type TenantRecordModel = Model<TenantRecord>;

type Namespace = Pick<Placement, 'cluster' | 'database' | 'collection'>;

/**
 * Mongoose models bound to tenant collections, one per cluster, database and collection, in a
 * bounded LRU cache.
 *
 * Mongoose keeps the first model registered under a name, so each collection gets its own model
 * name; reusing one name would silently point every tenant at the first tenant's collection.
 * Model creation is synchronous once the cluster is open, so concurrent first requests cannot
 * build the same model twice.
 */
@Injectable()
export class TenantModelRegistry {
  private readonly models = new Map<string, TenantRecordModel>();
  private readonly capacity: number;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly clusters: TenantClusters,
    config: AppConfig,
  ) {
    this.capacity = config.tenantModelCacheSize;
  }

  /** The model of a collection; opens its cluster's connection on first use. */
  async modelFor(namespace: Namespace): Promise<TenantRecordModel> {
    const key = namespaceOf(namespace);
    const cached = this.models.get(key);
    if (cached) {
      this.hitCount += 1;
      // Re-insert to mark it most recently used.
      this.models.delete(key);
      this.models.set(key, cached);
      return cached;
    }
    const connection = await this.clusters.database(namespace.cluster, namespace.database);
    const raced = this.models.get(key);
    if (raced) return raced;
    this.missCount += 1;
    const model = connection.model<TenantRecord>(modelName(key), TenantRecordSchema, namespace.collection);
    this.models.set(key, model);
    this.evictOverflow();
    return model;
  }

  /** Forgets the model of a collection that was renamed or dropped. */
  evict(namespace: Namespace): void {
    const key = namespaceOf(namespace);
    const model = this.models.get(key);
    if (!model) return;
    this.models.delete(key);
    model.db.deleteModel(modelName(key));
  }

  get stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.models.size, capacity: this.capacity, hits: this.hitCount, misses: this.missCount };
  }

  private evictOverflow(): void {
    while (this.models.size > this.capacity) {
      const oldest = this.models.keys().next().value as string;
      const model = this.models.get(oldest)!;
      this.models.delete(oldest);
      model.db.deleteModel(modelName(oldest));
    }
  }
}

function modelName(key: string): string {
  return `TenantRecord:${key}`;
}
