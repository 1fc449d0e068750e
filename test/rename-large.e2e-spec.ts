import { slugify } from '../src/organizations/organization-name.js';
import { tenantCollectionName } from '../src/tenants/tenant-collection-name.js';
import { DirectDatabases, openDatabases } from './support/direct-db.js';
import { idsIn, lifecycleProblems, readLifecycleState, seedRecords } from './support/lifecycle-state.js';
import { createOrgWithToken, createTestApp, TestApp, uniqueOrg } from './support/test-app.js';

const DOCUMENTS = 100_000;

describe('rename of an organization holding 100k documents (e2e)', () => {
  let t: TestApp;
  let db: DirectDatabases;

  beforeAll(async () => {
    t = await createTestApp();
    db = await openDatabases(t.config);
  });

  afterAll(async () => {
    await db.close();
    await t.close();
  });

  it('moves every document to the new collection', async () => {
    const { org, token } = await createOrgWithToken(t);
    const ids = await seedRecords(db, org.collection_name, org.id, DOCUMENTS);
    const newName = uniqueOrg('Large renamed').organization_name;
    const newCollection = tenantCollectionName(slugify(newName));

    const started = performance.now();
    const renamed = await t.http().put('/org/update').set('Authorization', `Bearer ${token}`).send({ organization_name: newName });
    const seconds = (performance.now() - started) / 1000;
    console.info(`rename of ${DOCUMENTS} documents took ${seconds.toFixed(2)} s (information, not an assertion)`);

    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      previous_collection: org.collection_name,
      current_collection: newCollection,
      documents_migrated: DOCUMENTS,
    });
    expect(await idsIn(db, newCollection)).toEqual(ids);
    const stats = await t.http().get('/org/collection/stats').set('Authorization', `Bearer ${renamed.body.access_token}`).expect(200);
    expect(stats.body).toMatchObject({ collection_name: newCollection, documents: DOCUMENTS });
    const state = await readLifecycleState(db);
    expect(state.tenantCollections).toEqual([newCollection]);
    expect(lifecycleProblems(state)).toEqual([]);
  }, 120_000);
});
