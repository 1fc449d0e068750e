import { Injectable } from '@nestjs/common';
import type { mongo } from 'mongoose';
import {
  hasMongoErrorCode,
  isOnlyDuplicateKeyErrors,
  isUniqueViolation,
  MongoErrorCode,
  uniqueViolationsOf,
} from '../../common/database/mongo-errors.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { TenantClusters } from '../clusters/tenant-clusters.service.js';
import type { Placement } from '../placement.js';
import { DuplicateRecordError } from '../tenants.errors.js';
import { OrgScopedCollection } from './org-scoped-collection.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';
import { TenantCollectionRegistry, type TenantRecordCollection } from './tenant-collection.registry.js';

/** An index as the server lists it. */
export interface StoredIndex {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
}

/** Primary-key reads or deletes a catch-up sends at once. */
const POINT_READS_AT_ONCE = 16;

/** Hands out records repositories, each bound to one organization and one of its placements. */
@Injectable()
export class TenantRecordsRepository {
  constructor(
    private readonly collections: TenantCollectionRegistry,
    private readonly clusters: TenantClusters,
  ) {}

  /** The organization's records where `placement` says they are; it can reach no other organization's. */
  bind(orgId: ObjectId, placement: Placement): TenantRecords {
    return new TenantRecords(orgId, placement, this.collections, this.clusters);
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
    private readonly collections: TenantCollectionRegistry,
    private readonly clusters: TenantClusters,
  ) {}

  /** DuplicateRecordError when a unique index of the organization refuses it. */
  insert(_id: ObjectId, data: Record<string, unknown>): Promise<StoredTenantRecord> {
    return this.run(async (records) => {
      const now = new Date();
      const record: StoredTenantRecord = { _id, org_id: this.orgId, data, created_at: now, updated_at: now };
      await records.insertOne(record).catch(refuseDuplicate);
      return record;
    });
  }

  /**
   * Inserts new records in one unordered round trip; answers the positions (in `batch`) that a
   * unique index refused. The others are stored.
   */
  insertBatch(batch: { _id: ObjectId; data: Record<string, unknown>; created_at?: Date; updated_at?: Date }[]): Promise<Set<number>> {
    return this.run(async (records) => {
      const now = new Date();
      const documents = batch.map(({ _id, data, created_at, updated_at }) => ({
        _id,
        org_id: this.orgId,
        data,
        created_at: created_at ?? now,
        updated_at: updated_at ?? now,
      }));
      try {
        await records.insertMany(documents);
        return new Set<number>();
      } catch (error) {
        return uniqueViolationsOf(error);
      }
    });
  }

  /** A page of `query` (its filter names this organization, see OrgScopedCollection). */
  find(query: { filter: mongo.Filter<StoredTenantRecord>; sort: Record<string, 1 | -1>; limit: number }): Promise<StoredTenantRecord[]> {
    return this.run((records) => records.find(query.filter).sort(query.sort).limit(query.limit).toArray());
  }

  /** By primary key plus the owner, which every server answers from its `_id` index. */
  findById(id: ObjectId | string): Promise<StoredTenantRecord | null> {
    return this.run((records) => records.findOne({ _id: asId(id), org_id: this.orgId }));
  }

  /** The record before and after its data was replaced; null when there is none. DuplicateRecordError under a unique index. */
  replaceData(
    id: ObjectId | string,
    data: Record<string, unknown>,
  ): Promise<{ before: StoredTenantRecord; after: StoredTenantRecord } | null> {
    return this.run(async (records) => {
      const updatedAt = new Date();
      const before = await records
        .findOneAndUpdate({ _id: asId(id), org_id: this.orgId }, { $set: { data, updated_at: updatedAt } }, 'before')
        .catch(refuseDuplicate);
      return before ? { before, after: { ...before, data, updated_at: updatedAt } } : null;
    });
  }

  /** True when a record was deleted. */
  delete(id: ObjectId | string): Promise<boolean> {
    return this.run((records) => records.deleteOne({ _id: asId(id), org_id: this.orgId }));
  }

  /** The deleted record; null when there was none. */
  remove(id: ObjectId | string): Promise<StoredTenantRecord | null> {
    return this.run((records) => records.findOneAndDelete({ _id: asId(id), org_id: this.orgId }));
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

  /**
   * Every record after `after` in `_id` order, from one cursor a batch at a time: the service's
   * memory does not grow with the data. MongoDB reads it along the `_id` index; FerretDB v1 sorts
   * the organization's records in its own memory before the first batch, so the cursor runs on the
   * cluster's connection for long reads (TenantClusters.streamingDatabase).
   */
  async *inIdOrder(after: ObjectId | undefined, batchSize: number): AsyncGenerator<StoredTenantRecord> {
    const db = await this.clusters.streamingDatabase(this.placement.cluster, this.placement.database);
    const records = new OrgScopedCollection(db.db!.collection<StoredTenantRecord>(this.placement.collection), this.orgId);
    const filter: mongo.Filter<StoredTenantRecord> = after ? { org_id: this.orgId, _id: { $gt: after } } : { org_id: this.orgId };
    yield* records.find(filter).sort({ _id: 1 }).batchSize(batchSize);
  }

  /** Inserts copies; ones present already (a repeated copy) are expected and skipped. */
  insertCopies(documents: StoredTenantRecord[]): Promise<void> {
    return this.run((records) => records.insertMany(documents).catch(ignoreDuplicates));
  }

  /** Makes the stored copy of each record equal `document`. */
  async upsertCopies(documents: StoredTenantRecord[]): Promise<void> {
    await this.run((records) => records.upsertMany(documents));
  }

  /**
   * Makes each stored record equal its imported version (by id); answers how many were new. A
   * unique index's refusal fails the whole call (DuplicateRecordError): the caller retries one by one.
   */
  async upsertImported(documents: StoredTenantRecord[]): Promise<number> {
    const result = await this.run((records) => records.upsertMany(documents).catch(refuseDuplicate));
    return result.upsertedCount;
  }

  /** The secondary indexes on the records' data (the organization's own), as stored. */
  listIndexes(): Promise<StoredIndex[]> {
    return this.run(async () => {
      const indexes = (await (await this.rawCollection()).listIndexes().toArray()) as StoredIndex[];
      return indexes.filter(({ key }) => Object.keys(key).some((path) => path.startsWith('data.')));
    });
  }

  /** DuplicateRecordError when `unique` and stored records already share a value. */
  createIndex(name: string, key: Record<string, 1 | -1>, unique: boolean): Promise<void> {
    return this.run(async () => {
      // `sparse`: records without the path never conflict under a unique index (FerretDB treats a missing value so anyway).
      await (await this.rawCollection()).createIndex(key, { name, unique, ...(unique ? { sparse: true } : {}) }).catch(refuseDuplicate);
    });
  }

  /** False when there is no such index. */
  dropIndex(name: string): Promise<boolean> {
    return this.run(async () => {
      try {
        await (await this.rawCollection()).dropIndex(name);
        return true;
      } catch (error) {
        if (hasMongoErrorCode(error, MongoErrorCode.IndexNotFound) || hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound))
          return false;
        throw error;
      }
    });
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
    return new OrgScopedCollection(await this.rawCollection(), this.orgId);
  }

  /** Index changes only: they read no document. */
  private rawCollection(): Promise<TenantRecordCollection> {
    return this.collections.collectionFor(this.placement);
  }

  private run<T>(operation: (records: OrgScopedCollection) => Promise<T>): Promise<T> {
    return this.clusters.run(this.placement.cluster, async () => operation(await this.collection()));
  }
}

function asId(id: ObjectId | string): ObjectId {
  return typeof id === 'string' ? toObjectId(id) : id;
}

/** A unique index's refusal as DuplicateRecordError; anything else as it came. */
function refuseDuplicate(error: unknown): never {
  if (isUniqueViolation(error)) throw new DuplicateRecordError();
  // A bulk write: uniqueViolationsOf throws the error itself unless every failure is a unique index's.
  if ((error as { writeErrors?: unknown } | null)?.writeErrors && uniqueViolationsOf(error)) throw new DuplicateRecordError();
  throw error;
}

function ignoreDuplicates(error: unknown): void {
  if (!isOnlyDuplicateKeyErrors(error)) throw error;
}
