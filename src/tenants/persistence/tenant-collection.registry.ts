import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
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
  private readonly models: LRUCache<string, TenantRecordModel>;
  private readonly capacity: number;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly clusters: TenantClusters,
    config: AppConfig,
  ) {
    this.capacity = config.tenantModelCacheSize;
    this.models = new LRUCache<string, TenantRecordModel>({
      max: this.capacity,
      // Mongoose holds a registered model until it is deleted: one evicted or forgotten here goes there too.
      dispose: (model, key, reason) => {
        if (reason === 'evict' || reason === 'delete') model.db.deleteModel(modelName(key));
      },
    });
  }

  /** The model of a collection; opens its cluster's connection on first use. */
  async modelFor(namespace: Namespace): Promise<TenantRecordModel> {
    const key = namespaceOf(namespace);
    const cached = this.models.get(key);
    if (cached) {
      this.hitCount += 1;
      return cached;
    }
    const connection = await this.clusters.database(namespace.cluster, namespace.database);
    const raced = this.models.get(key);
    if (raced) return raced;
    this.missCount += 1;
    const model = connection.model<TenantRecord>(modelName(key), TenantRecordSchema, namespace.collection);
    this.models.set(key, model);
    return model;
  }

  /** Forgets the model of a collection that was renamed or dropped. */
  evict(namespace: Namespace): void {
    this.models.delete(namespaceOf(namespace));
  }

  get stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.models.size, capacity: this.capacity, hits: this.hitCount, misses: this.missCount };
  }
}

function modelName(key: string): string {
  return `TenantRecord:${key}`;
}
