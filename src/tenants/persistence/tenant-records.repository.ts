import { Injectable } from '@nestjs/common';
import { trusted } from 'mongoose';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { StoredTenantRecord } from './tenant-record.schema.js';
import { TenantModelRegistry } from './tenant-model.registry.js';

/** Where an organization's records are: its collection and, during a rename, the one it moves to. */
export interface TenantLocation {
  collection: string;
  movingTo?: string;
}

/** Where an organization's documents can be: during a rename, the old collection and then the new. */
export function readableCollections(location: TenantLocation): string[] {
  return location.movingTo ? [location.collection, location.movingTo] : [location.collection];
}

/**
 * Records in tenant collections, through one Mongoose model per collection. Every read by id
 * returns a record only if it names the expected organization as its owner.
 */
@Injectable()
export class TenantRecordsRepository {
  constructor(private readonly models: TenantModelRegistry) {}

  async insert(
    collection: string,
    record: { _id: ObjectId; org_id: ObjectId; data: Record<string, unknown> },
  ): Promise<StoredTenantRecord> {
    const created = await this.models.modelFor(collection).create(record);
    return created.toObject<StoredTenantRecord>();
  }

  /**
   * The record with this id in the first of the collections that has one, if `orgId` owns it. By
   * `_id` alone, which every server answers from its primary key; the owner is compared here.
   */
  async findOwned(collections: string[], id: string, orgId: ObjectId | string): Promise<StoredTenantRecord | null> {
    const _id = toObjectId(id);
    for (const collection of collections) {
      // The driver's own findOne: a primary-key read on every request path needs no query casting.
      const found = await this.models.modelFor(collection).collection.findOne<StoredTenantRecord>({ _id });
      if (found) return found.org_id?.equals(orgId) === true ? found : null;
    }
    return null;
  }

  /** The first non-empty page (in `_id` order, after the cursor) of the collections, `limit` at most. */
  async page(collections: string[], after: ObjectId | undefined, limit: number): Promise<StoredTenantRecord[]> {
    const filter = after ? { _id: trusted({ $gt: after }) } : {};
    let page: StoredTenantRecord[] = [];
    for (const collection of collections) {
      page = await this.models.modelFor(collection).find(filter).sort({ _id: 1 }).limit(limit).lean<StoredTenantRecord[]>();
      if (page.length > 0) break;
    }
    return page;
  }

  replaceData(collection: string, id: string, data: Record<string, unknown>): Promise<StoredTenantRecord | null> {
    return this.models
      .modelFor(collection)
      .findOneAndUpdate({ _id: id }, { $set: { data } }, { returnDocument: 'after' })
      .lean<StoredTenantRecord>();
  }

  /** True when a record was deleted. */
  async delete(collection: string, id: ObjectId | string): Promise<boolean> {
    const { deletedCount } = await this.models.modelFor(collection).deleteOne({ _id: id });
    return deletedCount === 1;
  }

  /**
   * Deletes the record from each collection in turn. A move only ever carries documents from the
   * old collection to the new one, so deleting in that same order, one after the other, cannot
   * miss a document that moves in between.
   */
  async deleteFromEach(collections: string[], id: ObjectId): Promise<void> {
    for (const collection of collections) await this.delete(collection, id);
  }
}
