import { newObjectId } from '../../common/database/object-id.js';
import { OrgScopedCollection, type RecordsCollection, UnscopedTenantQueryError } from './org-scoped-collection.js';
import type { StoredTenantRecord } from './tenant-record.schema.js';

/** A collection that records what reaches it: a refused query must never get here. */
function recordingCollection(): { collection: RecordsCollection; sent: string[] } {
  const sent: string[] = [];
  const answer =
    (name: string) =>
    (..._args: unknown[]) => {
      sent.push(name);
      const answers: Record<string, unknown> = {
        deleteOne: { deletedCount: 0 },
        deleteMany: { deletedCount: 0 },
        bulkWrite: { upsertedCount: 0, matchedCount: 0 },
      };
      return Promise.resolve(answers[name] ?? null);
    };
  const collection = {
    findOne: answer('findOne'),
    find: (..._args: unknown[]) => {
      sent.push('find');
      return {} as never;
    },
    insertOne: answer('insertOne'),
    insertMany: answer('insertMany'),
    findOneAndUpdate: answer('findOneAndUpdate'),
    findOneAndDelete: answer('findOneAndDelete'),
    bulkWrite: answer('bulkWrite'),
    deleteOne: answer('deleteOne'),
    deleteMany: answer('deleteMany'),
    countDocuments: answer('countDocuments'),
  } as unknown as RecordsCollection;
  return { collection, sent };
}

function record(orgId = newObjectId()): StoredTenantRecord {
  return { _id: newObjectId(), org_id: orgId, data: {}, created_at: new Date(), updated_at: new Date() };
}

describe('OrgScopedCollection', () => {
  const orgId = newObjectId();

  it('refuses every query that does not carry the bound organization id, before it is sent', async () => {
    const { collection, sent } = recordingCollection();
    const scoped = new OrgScopedCollection(collection, orgId);
    const unscoped = [{}, { _id: newObjectId() }, { org_id: newObjectId() }, { org_id: orgId.toHexString() }] as never[];
    for (const filter of unscoped) {
      await expect(scoped.findOne(filter)).rejects.toBeInstanceOf(UnscopedTenantQueryError);
      expect(() => scoped.find(filter)).toThrow(UnscopedTenantQueryError);
      await expect(scoped.countDocuments(filter)).rejects.toBeInstanceOf(UnscopedTenantQueryError);
      await expect(scoped.findOneAndUpdate(filter, { $set: { data: {} } })).rejects.toBeInstanceOf(UnscopedTenantQueryError);
      await expect(scoped.findOneAndDelete(filter)).rejects.toBeInstanceOf(UnscopedTenantQueryError);
      await expect(scoped.deleteOne(filter)).rejects.toBeInstanceOf(UnscopedTenantQueryError);
      await expect(scoped.deleteMany(filter)).rejects.toBeInstanceOf(UnscopedTenantQueryError);
    }
    expect(sent).toEqual([]);
  });

  it('refuses to write a document of another organization', async () => {
    const { collection, sent } = recordingCollection();
    const scoped = new OrgScopedCollection(collection, orgId);
    await expect(scoped.insertOne(record())).rejects.toBeInstanceOf(UnscopedTenantQueryError);
    await expect(scoped.insertMany([record(orgId), record()])).rejects.toBeInstanceOf(UnscopedTenantQueryError);
    await expect(scoped.upsertMany([record()])).rejects.toBeInstanceOf(UnscopedTenantQueryError);
    expect(sent).toEqual([]);
  });

  it('sends queries and writes that name the bound organization', async () => {
    const { collection, sent } = recordingCollection();
    const scoped = new OrgScopedCollection(collection, orgId);
    await scoped.findOne({ _id: newObjectId(), org_id: orgId });
    await scoped.deleteMany({ org_id: orgId });
    await scoped.insertOne(record(orgId));
    await scoped.upsertMany([record(orgId)]);
    expect(sent).toEqual(['findOne', 'deleteMany', 'insertOne', 'bulkWrite']);
  });
});
