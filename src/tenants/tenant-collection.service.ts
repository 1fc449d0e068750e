import { Inject, Injectable, Logger } from '@nestjs/common';
import mongoose from 'mongoose';
import type { Connection, mongo } from 'mongoose';
import { hasMongoErrorCode, MongoErrorCode } from '../common/database/mongo-errors.js';
import { TenantModelRegistry } from './persistence/tenant-model.registry.js';
import { isTenantCollectionName } from './tenant-collection-name.js';
import { TENANT_CONNECTION } from './tenant-connection.js';

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
  documents: number;
  method: 'renameCollection' | 'copy' | 'already-moved';
}

/**
 * Creates, moves, drops and measures tenant collections. Every step is idempotent, so the
 * lifecycle reconciler can repeat any of them after a crash.
 */
@Injectable()
export class TenantCollectionService {
  private readonly logger = new Logger(TenantCollectionService.name);

  constructor(
    @Inject(TENANT_CONNECTION) private readonly connection: Connection,
    private readonly models: TenantModelRegistry,
  ) {}

  private get db(): mongo.Db {
    return this.connection.db as mongo.Db;
  }

  async create(collectionName: string): Promise<void> {
    try {
      await this.db.createCollection(collectionName);
    } catch (error) {
      if (!hasMongoErrorCode(error, MongoErrorCode.NamespaceExists)) throw error;
    }
  }

  async exists(collectionName: string): Promise<boolean> {
    const found = await this.db.listCollections({ name: collectionName }, { nameOnly: true }).toArray();
    return found.length > 0;
  }

  async listTenantCollections(): Promise<string[]> {
    const all = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return all.map(({ name }) => name).filter(isTenantCollectionName);
  }

  /**
   * From the collection's metadata (collStats), so a rename's cost does not grow with its data:
   * FerretDB answers countDocuments by reading every document.
   */
  async countDocuments(collectionName: string): Promise<number> {
    return (await this.stats(collectionName)).documents;
  }

  /**
   * Moves every document of `from` into `to` and removes `from`. Uses `renameCollection`
   * (metadata only, so its cost does not grow with the data); where the server refuses it,
   * copies in `_id` order, verifies that both hold the same `_id`s, recreates the indexes and
   * drops `from`.
   * Safe to call again after an interruption at any point.
   */
  async move(from: string, to: string, onProgress?: () => Promise<void>): Promise<MoveResult> {
    this.models.evict(from);
    this.models.evict(to);
    const [fromExists, toExists] = await Promise.all([this.exists(from), this.exists(to)]);
    if (!fromExists) {
      if (!toExists) await this.create(to);
      return { documents: await this.countDocuments(to), method: 'already-moved' };
    }
    if (!toExists) {
      try {
        await this.db.renameCollection(from, to);
        return { documents: await this.countDocuments(to), method: 'renameCollection' };
      } catch (error) {
        this.logger.warn(`renameCollection ${from} -> ${to} refused (${(error as Error).message}); copying instead`);
      }
    }
    const documents = await this.copy(from, to, onProgress);
    await this.drop(from);
    return { documents, method: 'copy' };
  }

  /** Drops the collection; returns how many documents it held (0 if it did not exist). */
  async drop(collectionName: string): Promise<number> {
    this.models.evict(collectionName);
    if (!(await this.exists(collectionName))) return 0;
    const documents = await this.countDocuments(collectionName);
    try {
      await this.db.dropCollection(collectionName);
    } catch (error) {
      if (!hasMongoErrorCode(error, MongoErrorCode.NamespaceNotFound)) throw error;
    }
    return documents;
  }

  async stats(collectionName: string): Promise<TenantCollectionStats> {
    const stats = await this.db.command({ collStats: collectionName });
    return {
      collection_name: collectionName,
      documents: Number(stats.count ?? 0),
      size_bytes: Number(stats.size ?? 0),
      indexes: Number(stats.nindexes ?? 0),
    };
  }

  /**
   * Makes `to` hold exactly the documents of `from`. After the bulk copy, the two `_id` sets are
   * compared until they agree: a records write that was in flight when the rename began can still
   * land in (or be undone from) `from` while it is copied, and the count alone would let such a
   * write through or, worse, never match again so that the rename could not finish.
   */
  private async copy(from: string, to: string, onProgress?: () => Promise<void>): Promise<number> {
    const source = this.db.collection(from);
    const target = this.db.collection(to);
    await copyDocuments(source, target, {}, onProgress);
    for (let pass = 0; pass < COPY_CATCH_UP_PASSES; pass += 1) {
      const [sourceIds, targetIds] = await Promise.all([idsOf(source), idsOf(target)]);
      const missing = [...sourceIds].filter(([key]) => !targetIds.has(key)).map(([, id]) => id);
      const extra = [...targetIds].filter(([key]) => !sourceIds.has(key)).map(([, id]) => id);
      if (missing.length === 0 && extra.length === 0) {
        await copyIndexes(source, target);
        return sourceIds.size;
      }
      if (extra.length > 0) await target.deleteMany({ _id: { $in: extra } });
      if (missing.length > 0) await copyDocuments(source, target, { _id: { $in: missing } }, onProgress);
    }
    throw new Error(`Copy of ${from} to ${to} did not settle after ${COPY_CATCH_UP_PASSES} passes`);
  }
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

async function copyIndexes(source: mongo.Collection, target: mongo.Collection): Promise<void> {
  const all = (await source.listIndexes().toArray()) as IndexInfo[];
  const indexes = all.filter((index) => index.name !== '_id_');
  if (indexes.length > 0) {
    await target.createIndexes(indexes.map(({ key, name, unique }) => ({ key, name, unique })));
  }
}

/** A repeated copy meets documents it already copied: those duplicates are expected. */
async function insertIgnoringDuplicates(target: mongo.Collection, documents: mongo.Document[]): Promise<void> {
  try {
    await target.insertMany(documents, { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0 || list.some((writeError) => !hasMongoErrorCode(writeError, MongoErrorCode.DuplicateKey))) throw error;
  }
}
