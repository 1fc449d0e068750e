import { Injectable } from '@nestjs/common';
import type { mongo } from 'mongoose';
import { isOnlyDuplicateKeyErrors } from '../../common/database/mongo-errors.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { TenantClusters } from '../clusters/tenant-clusters.service.js';
import type { Placement } from '../placement.js';
import { OrgScopedCollection, type RecordsCollection } from './org-scoped-collection.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';
import { TenantModelRegistry } from './tenant-model.registry.js';

/** Primary-key reads or deletes a catch-up sends at once. */
const POINT_READS_AT_ONCE = 16;

/** Hands out records repositories, each bound to one organization and one of its placements. */
@Injectable()
export class TenantRecordsRepository {
  constructor(
    private readonly models: TenantModelRegistry,
    private readonly clusters: TenantClusters,
  ) {}

  /** The organization's records where `placement` says they are; it can reach no other organization's. */
  bind(orgId: ObjectId, placement: Placement): TenantRecords {
    return new TenantRecords(orgId, placement, this.models, this.clusters);
  }
}

/**
 * One organization's records in one placement. Every query names the organization (see
 * OrgScopedCollection) and runs through the cluster's counters, so a cluster that cannot be
 * reached answers 503 for its own organizations only.
 */
export class TenantRecords {
  constructor(
    readonly orgId: ObjectId,
    readonly placement: Placement,
    private readonly models: TenantModelRegistry,
    private readonly clusters: TenantClusters,
  ) {}

  insert(_id: ObjectId, data: Record<string, unknown>): Promise<StoredTenantRecord> {
    return this.run(async (records) => {
      const now = new Date();
      const record: StoredTenantRecord = { _id, org_id: this.orgId, data, created_at: now, updated_at: now };
      await records.insertOne(record);
      return record;
    });
  }

  /** By primary key plus the owner, which every server answers from its `_id` index. */
  findById(id: ObjectId | string): Promise<StoredTenantRecord | null> {
    return this.run((records) => records.findOne({ _id: asId(id), org_id: this.orgId }));
  }

  /** In `_id` order after the cursor, `limit` at most. */
  page(after: ObjectId | undefined, limit: number): Promise<StoredTenantRecord[]> {
    const filter: mongo.Filter<StoredTenantRecord> = after ? { org_id: this.orgId, _id: { $gt: after } } : { org_id: this.orgId };
    return this.run((records) => records.find(filter).sort({ _id: 1 }).limit(limit).toArray());
  }

  replaceData(id: ObjectId | string, data: Record<string, unknown>): Promise<StoredTenantRecord | null> {
    return this.run((records) =>
      records.findOneAndUpdate({ _id: asId(id), org_id: this.orgId }, { $set: { data, updated_at: new Date() } }),
    );
  }

  /** True when a record was deleted. */
  delete(id: ObjectId | string): Promise<boolean> {
    return this.run((records) => records.deleteOne({ _id: asId(id), org_id: this.orgId }));
  }

  deleteAll(): Promise<number> {
    return this.run((records) => records.deleteMany({ org_id: this.orgId }));
  }

  count(): Promise<number> {
    return this.run((records) => records.countDocuments({ org_id: this.orgId }));
  }

  /**
   * Every record, a batch at a time, from one cursor: memory does not grow with the data. In no
   * particular order: FerretDB sorts a filtered find in memory before answering its first batch,
   * which at 100k documents outlasted the socket timeout, and a copy needs no order.
   */
  async *all(batchSize: number): AsyncGenerator<StoredTenantRecord> {
    const records = await this.collection();
    yield* records.find({ org_id: this.orgId }).batchSize(batchSize);
  }

  /** Inserts copies; ones present already (a repeated copy) are expected and skipped. */
  insertCopies(documents: StoredTenantRecord[]): Promise<void> {
    return this.run((records) => records.insertMany(documents).catch(ignoreDuplicates));
  }

  /** Makes the stored copy of each record equal `document`. */
  upsertCopies(documents: StoredTenantRecord[]): Promise<void> {
    return this.run((records) => records.upsertMany(documents));
  }

  /**
   * The records with these ids that exist, each read by its primary key: FerretDB answers an
   * `_id: {$in}` filter by scanning the collection, so a move's catch-up would grow with the data.
   */
  async findEach(ids: ObjectId[]): Promise<StoredTenantRecord[]> {
    const found: StoredTenantRecord[] = [];
    for (let start = 0; start < ids.length; start += POINT_READS_AT_ONCE) {
      const batch = await Promise.all(ids.slice(start, start + POINT_READS_AT_ONCE).map((id) => this.findById(id)));
      for (const record of batch) if (record) found.push(record);
    }
    return found;
  }

  /** Deletes each record by its primary key (see findEach). */
  async deleteEach(ids: ObjectId[]): Promise<void> {
    for (let start = 0; start < ids.length; start += POINT_READS_AT_ONCE) {
      await Promise.all(ids.slice(start, start + POINT_READS_AT_ONCE).map((id) => this.delete(id)));
    }
  }

  private async collection(): Promise<OrgScopedCollection> {
    const model = await this.models.modelFor(this.placement);
    return new OrgScopedCollection(model.collection as unknown as RecordsCollection, this.orgId);
  }

  private run<T>(operation: (records: OrgScopedCollection) => Promise<T>): Promise<T> {
    return this.clusters.run(this.placement.cluster, async () => operation(await this.collection()));
  }
}

function asId(id: ObjectId | string): ObjectId {
  return typeof id === 'string' ? toObjectId(id) : id;
}

function ignoreDuplicates(error: unknown): void {
  if (!isOnlyDuplicateKeyErrors(error)) throw error;
}
