import type { mongo } from 'mongoose';
import type { ObjectId } from '../../common/database/object-id.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';

type Filter = mongo.Filter<StoredTenantRecord>;

/**
 * Updates sent in one command. FerretDB v1.24 (PostgreSQL backend) never answered an update
 * command of 50 replacements or more (45 took 0.23 s; 50 and 60, with or without upsert, nothing
 * within 40 s), which a move's catch-up or an import of existing records would send.
 */
const UPDATES_PER_COMMAND = 32;

/** The driver calls tenant records are read and written with. */
export type RecordsCollection = Pick<
  mongo.Collection<StoredTenantRecord>,
  | 'findOne'
  | 'find'
  | 'insertOne'
  | 'insertMany'
  | 'findOneAndUpdate'
  | 'findOneAndDelete'
  | 'bulkWrite'
  | 'deleteOne'
  | 'deleteMany'
  | 'countDocuments'
>;

/** A tenant-data query that does not name its organization: never sent, whatever the mode. */
export class UnscopedTenantQueryError extends Error {
  constructor(operation: string) {
    super(`Tenant ${operation} refused: it does not carry the bound organization's id`);
    this.name = 'UnscopedTenantQueryError';
  }
}

/**
 * One organization's view of a records collection. Every filter must carry `org_id` equal to the
 * bound organization and every inserted document must name it: in `shared` mode that field is all
 * that separates tenants, so a query without it is refused instead of being sent. The other modes
 * get the same check, so a document can never be read through a collection name that has since
 * come to belong to another organization.
 */
export class OrgScopedCollection {
  constructor(
    private readonly collection: RecordsCollection,
    readonly orgId: ObjectId,
  ) {}

  async findOne(filter: Filter): Promise<StoredTenantRecord | null> {
    return this.collection.findOne(this.checked('findOne', filter));
  }

  find(filter: Filter, options?: mongo.FindOptions): mongo.FindCursor<StoredTenantRecord> {
    return this.collection.find(this.checked('find', filter), options);
  }

  async countDocuments(filter: Filter): Promise<number> {
    return this.collection.countDocuments(this.checked('countDocuments', filter));
  }

  async insertOne(document: StoredTenantRecord): Promise<void> {
    this.checkOwner('insertOne', document);
    await this.collection.insertOne(document);
  }

  async insertMany(documents: StoredTenantRecord[]): Promise<void> {
    for (const document of documents) this.checkOwner('insertMany', document);
    await this.collection.insertMany(documents, { ordered: false });
  }

  async findOneAndUpdate(
    filter: Filter,
    update: mongo.UpdateFilter<StoredTenantRecord>,
    returnDocument: 'before' | 'after' = 'after',
  ): Promise<StoredTenantRecord | null> {
    return this.collection.findOneAndUpdate(this.checked('findOneAndUpdate', filter), update, { returnDocument });
  }

  async findOneAndDelete(filter: Filter): Promise<StoredTenantRecord | null> {
    return this.collection.findOneAndDelete(this.checked('findOneAndDelete', filter));
  }

  /** Makes the stored copy of each document equal it (inserting the missing ones), in one round trip. */
  async upsertMany(documents: StoredTenantRecord[]): Promise<{ upsertedCount: number; matchedCount: number }> {
    const total = { upsertedCount: 0, matchedCount: 0 };
    for (const document of documents) this.checkOwner('upsertMany', document);
    for (let start = 0; start < documents.length; start += UPDATES_PER_COMMAND) {
      const operations = documents.slice(start, start + UPDATES_PER_COMMAND).map((document) => ({
        replaceOne: { filter: { _id: document._id, org_id: this.orgId }, replacement: document, upsert: true },
      }));
      const result = await this.collection.bulkWrite(operations, { ordered: false });
      total.upsertedCount += result.upsertedCount;
      total.matchedCount += result.matchedCount;
    }
    return total;
  }

  async deleteOne(filter: Filter): Promise<boolean> {
    return (await this.collection.deleteOne(this.checked('deleteOne', filter))).deletedCount === 1;
  }

  async deleteMany(filter: Filter): Promise<number> {
    return (await this.collection.deleteMany(this.checked('deleteMany', filter))).deletedCount;
  }

  private checked(operation: string, filter: Filter): Filter {
    const owner = (filter as { org_id?: unknown }).org_id;
    if (!(owner instanceof Object && 'equals' in owner && (owner as ObjectId).equals(this.orgId))) {
      throw new UnscopedTenantQueryError(operation);
    }
    return filter;
  }

  private checkOwner(operation: string, document: StoredTenantRecord): void {
    if (!document.org_id?.equals(this.orgId)) throw new UnscopedTenantQueryError(operation);
  }
}
