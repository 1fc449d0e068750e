import type { mongo } from 'mongoose';
import type { ObjectId } from '../../common/database/object-id.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';

type Filter = mongo.Filter<StoredTenantRecord>;

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
    if (documents.length === 0) return { upsertedCount: 0, matchedCount: 0 };
    const operations = documents.map((document) => {
      this.checkOwner('upsertMany', document);
      return { replaceOne: { filter: { _id: document._id, org_id: this.orgId }, replacement: document, upsert: true } };
    });
    return this.collection.bulkWrite(operations, { ordered: false });
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
