import { Injectable, Logger } from '@nestjs/common';
import mongoose from 'mongoose';
import type { mongo } from 'mongoose';
import { hasMongoErrorCode, isOnlyDuplicateKeyErrors, MongoErrorCode } from '../common/database/mongo-errors.js';
import type { ObjectId } from '../common/database/object-id.js';
import { AppConfig } from '../config/app-config.js';
import { TenantClusters } from './clusters/tenant-clusters.service.js';
import { TenantCollectionRegistry } from './persistence/tenant-collection.registry.js';
import { type TenantRecords, TenantRecordsRepository } from './persistence/tenant-records.repository.js';
import { type Placement, SHARED_COLLECTION } from './placement.js';
import { isTenantCollectionName } from './tenant-collection-name.js';

const COPY_BATCH_SIZE = 1000;
/** Passes that reconcile racing writes after the bulk copy; in practice one or two suffice. */
const COPY_CATCH_UP_PASSES = 5;

export interface TenantCollectionStats {
  collection_name: string;
  documents: number;
  size_bytes: number;
  indexes: number;
}

export interface MoveResult {
  /** Documents copied; null when they moved without being read (renameCollection: the caller counts them where it keeps a count). */
  documents: number | null;
  method: 'renameCollection' | 'copy' | 'already-moved';
}

/** What a cluster holds, against TENANT_COLLECTION_BUDGET. */
export interface ClusterUsage {
  collections: number;
  indexes: number;
}

/**
 * Creates, renames, drops and measures where organizations' documents live, in every placement
 * mode and on every cluster. Every step is idempotent, so the lifecycle reconciler and the move
 * runner can repeat any of them after a crash.
 */
@Injectable()
export class TenantStorage {
  private readonly logger = new Logger(TenantStorage.name);
  /** Shared collections known to exist with their index, per cluster and database. */
  private readonly sharedReady = new Set<string>();

  constructor(
    private readonly clusters: TenantClusters,
    private readonly collections: TenantCollectionRegistry,
    private readonly repository: TenantRecordsRepository,
    private readonly config: AppConfig,
  ) {}

  /** The organization's records where `placement` says. */
  records(orgId: ObjectId, placement: Placement): TenantRecords {
    return this.repository.bind(orgId, placement);
  }

  /** Makes the placement ready to hold documents: its collection (and, shared, its index). */
  async provision(placement: Placement): Promise<void> {
    const key = `${placement.cluster}/${placement.database}`;
    if (placement.mode === 'shared' && this.sharedReady.has(key)) return;
    await this.onCluster(placement, async (db) => {
      await createIfMissing(db, placement.collection);
      // Every shared query is {org_id, _id} or {org_id, _id: range}: one compound index serves all.
      if (placement.mode === 'shared')
        await db.collection(SHARED_COLLECTION).createIndex({ org_id: 1, _id: 1 }, { name: 'org_id_1__id_1' });
    });
    if (placement.mode === 'shared') this.sharedReady.add(key);
  }

  /** Whether the placement's own collection exists (always true for `shared`, whose collection is everyone's). */
  async exists(placement: Placement): Promise<boolean> {
    if (placement.mode === 'shared') return true;
    return this.onCluster(placement, (db) => collectionExists(db, placement.collection));
  }

  /**
   * Removes the organization's documents from the placement and returns how many there were: the
   * collection or the database is dropped, or, shared, the organization's documents deleted.
   */
  async drop(orgId: ObjectId, placement: Placement): Promise<number> {
    if (placement.mode === 'shared') return this.records(orgId, placement).deleteAll();
    this.collections.evict(placement);
    return this.onCluster(placement, async (db) => {
      if (!(await collectionExists(db, placement.collection))) {
        if (placement.mode === 'database') await db.dropDatabase();
        return 0;
      }
      const documents = (await collectionStats(db, placement.collection)).documents;
      if (placement.mode === 'database') {
        await db.dropDatabase();
      } else {
        await db.dropCollection(placement.collection).catch((error: unknown) => {
          if (!hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound)) throw error;
        });
      }
      return documents;
    });
  }

  /**
   * Documents, size and indexes of the organization's data. Its own collection's figures come from
   * the collection's metadata (collStats), so their cost does not grow with the data; in the
   * shared collection they are the organization's count and its share of the average size.
   */
  async stats(orgId: ObjectId, placement: Placement): Promise<TenantCollectionStats> {
    const own = await this.onCluster(placement, (db) => collectionStats(db, placement.collection));
    if (placement.mode !== 'shared') return own;
    const documents = await this.records(orgId, placement).count();
    const averageSize = own.documents === 0 ? 0 : own.size_bytes / own.documents;
    return { collection_name: placement.collection, documents, size_bytes: Math.round(documents * averageSize), indexes: own.indexes };
  }

  /** The `collection`-mode collections of the cluster's tenant database (for the reconciler). */
  async listTenantCollections(cluster: string): Promise<string[]> {
    const db = await this.database(cluster, this.config.mongo.tenantDbName);
    const all = await this.clusters.run(cluster, () => db.listCollections({}, { nameOnly: true }).toArray());
    return all.map(({ name }) => name).filter(isTenantCollectionName);
  }

  /** Collections and indexes of the cluster's tenant databases (TENANT_DB_NAME and its `_<org id>` ones). */
  async usage(cluster: string): Promise<ClusterUsage> {
    const tenantDb = this.config.mongo.tenantDbName;
    const admin = await this.database(cluster, tenantDb);
    return this.clusters.run(cluster, async () => {
      // authorizedDatabases: a user without the listDatabases privilege (common on Atlas) still sees its own.
      const { databases } = await admin.admin().listDatabases({ nameOnly: true, authorizedDatabases: true });
      const names = databases.map(({ name }) => name).filter((name) => name === tenantDb || name.startsWith(`${tenantDb}_`));
      const usage: ClusterUsage = { collections: 0, indexes: 0 };
      for (const name of names) {
        const stats = await admin.client.db(name).command({ dbStats: 1 });
        usage.collections += Number(stats.collections ?? 0);
        usage.indexes += Number(stats.indexes ?? 0);
      }
      return usage;
    });
  }

  /**
   * Moves every document of a `collection`-mode placement into another collection of the same
   * database and removes the old one. Uses `renameCollection` (metadata only, so its cost does not
   * grow with the data); where the server refuses it, copies in `_id` order, verifies that both
   * hold the same `_id`s, recreates the indexes and drops the old collection.
   * Safe to call again after an interruption at any point.
   */
  async renameCollection(from: Placement, toCollection: string, onProgress?: () => Promise<void>): Promise<MoveResult> {
    const to: Placement = { ...from, collection: toCollection };
    this.collections.evict(from);
    this.collections.evict(to);
    return this.onCluster(from, async (db) => {
      const [fromExists, toExists] = await Promise.all([collectionExists(db, from.collection), collectionExists(db, toCollection)]);
      if (!fromExists) {
        if (!toExists) await createIfMissing(db, toCollection);
        return { documents: null, method: 'already-moved' };
      }
      if (!toExists) {
        try {
          await db.renameCollection(from.collection, toCollection);
          // No count here: FerretDB's collStats reads every document (14 -> 292 ms from 1k to 100k, BENCHMARKS.md "Rename").
          return { documents: null, method: 'renameCollection' };
        } catch (error) {
          this.logger.warn(`renameCollection ${from.collection} -> ${toCollection} refused (${(error as Error).message}); copying instead`);
        }
      }
      const documents = await copyCollection(db.collection(from.collection), db.collection(toCollection), onProgress);
      await db.dropCollection(from.collection).catch((error: unknown) => {
        if (!hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound)) throw error;
      });
      return { documents, method: 'copy' };
    });
  }

  /**
   * Copies an organization's own collection's secondary indexes to another placement's own
   * collection. The shared collection's indexes are everyone's and are not copied either way.
   */
  async copyIndexes(from: Placement, to: Placement): Promise<void> {
    if (from.mode === 'shared' || to.mode === 'shared') return;
    const indexes = await this.onCluster(from, (db) => secondaryIndexes(db.collection(from.collection)));
    if (indexes.length === 0) return;
    await this.onCluster(to, (db) => db.collection(to.collection).createIndexes(indexes));
  }

  private async database(cluster: string, name: string): Promise<mongo.Db> {
    return (await this.clusters.database(cluster, name)).db as mongo.Db;
  }

  private async onCluster<T>(placement: Placement, operation: (db: mongo.Db) => Promise<T>): Promise<T> {
    const db = await this.database(placement.cluster, placement.database);
    return this.clusters.run(placement.cluster, () => operation(db));
  }
}

async function createIfMissing(db: mongo.Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    if (!hasMongoErrorCode(error, MongoErrorCode.NamespaceExists)) throw error;
  }
}

async function collectionExists(db: mongo.Db, name: string): Promise<boolean> {
  return (await db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
}

async function collectionStats(db: mongo.Db, name: string): Promise<TenantCollectionStats> {
  try {
    const stats = await db.command({ collStats: name });
    return {
      collection_name: name,
      documents: Number(stats.count ?? 0),
      size_bytes: Number(stats.size ?? 0),
      indexes: Number(stats.nindexes ?? 0),
    };
  } catch (error) {
    // Not created yet (a shared collection before its first organization, a dropped one).
    if (hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound))
      return { collection_name: name, documents: 0, size_bytes: 0, indexes: 0 };
    throw error;
  }
}

/**
 * Makes `target` hold exactly the documents of `source`. After the bulk copy, the two `_id` sets are
 * compared until they agree: a records write that was in flight when the rename began can still
 * land in (or be undone from) `source` while it is copied, and the count alone would let such a
 * write through or, worse, never match again so that the rename could not finish.
 */
async function copyCollection(source: mongo.Collection, target: mongo.Collection, onProgress?: () => Promise<void>): Promise<number> {
  await copyDocuments(source, target, {}, onProgress);
  for (let pass = 0; pass < COPY_CATCH_UP_PASSES; pass += 1) {
    const [sourceIds, targetIds] = await Promise.all([idsOf(source), idsOf(target)]);
    const missing = [...sourceIds].filter(([key]) => !targetIds.has(key)).map(([, id]) => id);
    const extra = [...targetIds].filter(([key]) => !sourceIds.has(key)).map(([, id]) => id);
    if (missing.length === 0 && extra.length === 0) {
      const indexes = await secondaryIndexes(source);
      if (indexes.length > 0) await target.createIndexes(indexes);
      return sourceIds.size;
    }
    if (extra.length > 0) await target.deleteMany({ _id: { $in: extra } });
    if (missing.length > 0) await copyDocuments(source, target, { _id: { $in: missing } }, onProgress);
  }
  throw new Error(`Copy of ${source.collectionName} to ${target.collectionName} did not settle after ${COPY_CATCH_UP_PASSES} passes`);
}

/**
 * Inserts the matching documents of `source` into `target` in batches, from one cursor in `_id`
 * order (not a `{_id: {$gt: last}}` query per batch, which FerretDB answers by scanning the whole
 * collection each time).
 */
async function copyDocuments(
  source: mongo.Collection,
  target: mongo.Collection,
  filter: mongo.Filter<mongo.Document>,
  onProgress?: () => Promise<void>,
): Promise<void> {
  let batch: mongo.Document[] = [];
  for await (const document of source.find(filter).sort({ _id: 1 }).batchSize(COPY_BATCH_SIZE)) {
    batch.push(document);
    if (batch.length < COPY_BATCH_SIZE) continue;
    await insertIgnoringDuplicates(target, batch);
    batch = [];
    await onProgress?.();
  }
  if (batch.length > 0) await insertIgnoringDuplicates(target, batch);
}

/** Every `_id` of the collection, keyed by its canonical Extended JSON form. */
async function idsOf(collection: mongo.Collection): Promise<Map<string, mongo.ObjectId>> {
  const ids = new Map<string, mongo.ObjectId>();
  for await (const { _id } of collection.find({}, { projection: { _id: 1 } }).batchSize(COPY_BATCH_SIZE)) {
    ids.set(mongoose.mongo.BSON.EJSON.stringify({ _id }, { relaxed: false }), _id);
  }
  return ids;
}

/** What listIndexes reports of an index, as far as a copy needs it. */
interface IndexInfo {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
}

async function secondaryIndexes(collection: mongo.Collection): Promise<mongo.IndexDescription[]> {
  try {
    const all = (await collection.listIndexes().toArray()) as IndexInfo[];
    return all.filter((index) => index.name !== '_id_').map(({ key, name, unique }) => ({ key, name, unique }));
  } catch (error) {
    if (hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound)) return [];
    throw error;
  }
}

/** A repeated copy meets documents it already copied: those duplicates are expected. */
async function insertIgnoringDuplicates(target: mongo.Collection, documents: mongo.Document[]): Promise<void> {
  try {
    await target.insertMany(documents, { ordered: false });
  } catch (error) {
    if (!isOnlyDuplicateKeyErrors(error)) throw error;
  }
}
