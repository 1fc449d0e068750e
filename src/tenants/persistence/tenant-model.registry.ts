import { Inject, Injectable } from '@nestjs/common';
import type { Connection, Model } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { TenantRecord, TenantRecordSchema } from './tenant-record.schema.js';
import { TENANT_CONNECTION } from '../tenant-connection.js';

export type TenantRecordModel = Model<TenantRecord>;

/**
 * Mongoose models bound to tenant collections, one per collection, in a bounded LRU cache.
 *
 * Mongoose keeps the first model registered under a name, so each collection gets its own model
 * name; reusing one name would silently point every tenant at the first tenant's collection.
 * Model creation is synchronous, so concurrent first requests cannot build the same model twice.
 */
@Injectable()
export class TenantModelRegistry {
  private readonly models = new Map<string, TenantRecordModel>();
  private readonly capacity: number;
  private hitCount = 0;
  private missCount = 0;

  constructor(
    @Inject(TENANT_CONNECTION) private readonly connection: Connection,
    config: AppConfig,
  ) {
    this.capacity = config.tenantModelCacheSize;
  }

  modelFor(collectionName: string): TenantRecordModel {
    const cached = this.models.get(collectionName);
    if (cached) {
      this.hitCount += 1;
      // Re-insert to mark it most recently used.
      this.models.delete(collectionName);
      this.models.set(collectionName, cached);
      return cached;
    }
    this.missCount += 1;
    const model = this.connection.model<TenantRecord>(modelName(collectionName), TenantRecordSchema, collectionName);
    this.models.set(collectionName, model);
    this.evictOverflow();
    return model;
  }

  /** Forgets the model of a collection that was renamed or dropped. */
  evict(collectionName: string): void {
    if (!this.models.delete(collectionName)) return;
    this.connection.deleteModel(modelName(collectionName));
  }

  get stats(): { size: number; capacity: number; hits: number; misses: number } {
    return { size: this.models.size, capacity: this.capacity, hits: this.hitCount, misses: this.missCount };
  }

  private evictOverflow(): void {
    while (this.models.size > this.capacity) {
      const oldest = this.models.keys().next().value as string;
      this.evict(oldest);
    }
  }
}

function modelName(collectionName: string): string {
  return `TenantRecord:${collectionName}`;
}
