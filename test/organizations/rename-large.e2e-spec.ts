import { Types } from 'mongoose';
import { slugify } from '../../src/organizations/organization-name.js';
import { tenantCollectionName } from '../../src/tenants/tenant-collection-name.js';
import { idsIn, lifecycleProblems, readLifecycleState, seedRecords } from '../support/lifecycle-state.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const DOCUMENTS = 100_000;

describe('rename of an organization holding 100k documents (e2e)', () => {
  const t = useTestApp();

  it('moves every document to the new collection', async () => {
    const { org, token } = await createOrgWithToken(t);
    const ids = await seedRecords(t.db, org.collection_name, org.id, DOCUMENTS);
    // The quota ledger as the service's own writes would have left it: the rename reports its count.
    await t.db.master
      .collection<{ _id: string; org_id: Types.ObjectId; documents: number; bytes: number }>('tenant_usage')
      .insertOne({ _id: `${org.id}:base`, org_id: new Types.ObjectId(org.id), documents: DOCUMENTS, bytes: 0 });
    const newName = uniqueOrg('Large renamed').organization_name;
    const newCollection = tenantCollectionName(slugify(newName));

    const started = performance.now();
    const renamed = await t.withToken(token).put('/org/update').send({ organization_name: newName });
    const seconds = (performance.now() - started) / 1000;
    console.info(`rename of ${DOCUMENTS} documents took ${seconds.toFixed(2)} s (information, not an assertion)`);

    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      previous_collection: org.collection_name,
      current_collection: newCollection,
      documents_migrated: DOCUMENTS,
    });
    expect(await idsIn(t.db, newCollection)).toEqual(ids);
    const stats = await t.withToken(renamed.body.access_token).get('/org/collection/stats').expect(200);
    expect(stats.body).toMatchObject({ collection_name: newCollection, documents: DOCUMENTS });
    const state = await readLifecycleState(t.db);
    expect(state.tenantCollections).toEqual([newCollection]);
    expect(lifecycleProblems(state)).toEqual([]);
  }, 120_000);
});
