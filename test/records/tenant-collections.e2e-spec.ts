import type { Connection } from 'mongoose';
import { TenantClusters } from '../../src/tenants/clusters/tenant-clusters.service.js';
import { TenantModelRegistry } from '../../src/tenants/persistence/tenant-model.registry.js';
import { namespaceOf } from '../../src/tenants/placement.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const CACHE_SIZE = 2;

describe('tenant models (e2e)', () => {
  const t = useTestApp({ TENANT_MODEL_CACHE_SIZE: String(CACHE_SIZE) });
  let registry: TenantModelRegistry;
  let tenantConnection: Connection;

  beforeAll(async () => {
    registry = t.app.get(TenantModelRegistry);
    // The service's own connection to the tenant database, on which the registry registers its models.
    tenantConnection = await t.app.get(TenantClusters).database('default', t.config.mongo.tenantDbName);
  });

  /** A collection of the tenant database on the default cluster, as the registry names it. */
  const inTenantDb = (collection: string) => ({ cluster: 'default', database: t.config.mongo.tenantDbName, collection });

  const addRecord = async (token: string, data: Record<string, unknown>): Promise<string> =>
    (await t.withToken(token).post('/org/records').send(data).expect(201)).body.id;
  /** The `_id`s stored in a tenant collection, read directly from the database. */
  const storedIds = async (collection: string) =>
    (
      await t.db.tenant
        .collection(collection)
        .find({}, { projection: { _id: 1 } })
        .toArray()
    )
      .map(({ _id }) => _id.toHexString())
      .sort();
  const registeredModelFor = (collection: string) =>
    tenantConnection.modelNames().includes(`TenantRecord:${namespaceOf(inTenantDb(collection))}`);

  it("writes each organization's records into its own collection", async () => {
    const a = await createOrgWithToken(t, uniqueOrg('Tenant A'));
    const b = await createOrgWithToken(t, uniqueOrg('Tenant B'));
    expect(a.org.collection_name).toBe(`org_${a.org.slug}`);
    expect(b.org.collection_name).toBe(`org_${b.org.slug}`);

    const idsOfA = [await addRecord(a.token, { owner: 'A', n: 1 }), await addRecord(a.token, { owner: 'A', n: 2 })];
    const idsOfB = [await addRecord(b.token, { owner: 'B', n: 1 })];

    expect(await storedIds(a.org.collection_name)).toEqual([...idsOfA].sort());
    expect(await storedIds(b.org.collection_name)).toEqual(idsOfB);
    const docOfB = await t.db.tenant.collection(b.org.collection_name).findOne({});
    expect(docOfB).toMatchObject({ data: { owner: 'B', n: 1 }, created_at: expect.any(Date), updated_at: expect.any(Date) });

    // Two models, two names, two collections: none of them shared.
    const modelA = await registry.modelFor(inTenantDb(a.org.collection_name));
    const modelB = await registry.modelFor(inTenantDb(b.org.collection_name));
    expect(modelA).not.toBe(modelB);
    expect(modelA.modelName).not.toBe(modelB.modelName);
    expect(modelA.collection.collectionName).toBe(a.org.collection_name);
    expect(modelB.collection.collectionName).toBe(b.org.collection_name);
    expect(await registry.modelFor(inTenantDb(a.org.collection_name))).toBe(modelA);
  });

  it('evicts the old model on rename; new writes land in the new collection', async () => {
    const { token, org } = await createOrgWithToken(t);
    const before = await addRecord(token, { phase: 'before' });
    expect(registeredModelFor(org.collection_name)).toBe(true);
    const oldModel = await registry.modelFor(inTenantDb(org.collection_name));

    const renamed = await t
      .withToken(token)
      .put('/org/update')
      .send({ organization_name: uniqueOrg('Moved').organization_name })
      .expect(200);
    const newCollection = renamed.body.current_collection;
    expect(newCollection).not.toBe(org.collection_name);

    expect(registeredModelFor(org.collection_name)).toBe(false);
    expect(registry.stats.size).toBeLessThanOrEqual(CACHE_SIZE);
    const after = await addRecord(token, { phase: 'after' });
    expect(registeredModelFor(newCollection)).toBe(true);
    expect(await registry.modelFor(inTenantDb(newCollection))).not.toBe(oldModel);
    expect(await storedIds(newCollection)).toEqual([before, after].sort());
    expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
  });

  it('evicts the model of a deleted organization', async () => {
    const { token, org, input } = await createOrgWithToken(t);
    await addRecord(token, { doomed: true });
    expect(registeredModelFor(org.collection_name)).toBe(true);
    await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
    expect(registeredModelFor(org.collection_name)).toBe(false);
    expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
  });

  it('keeps at most the configured number of models, and an evicted one still writes to the right collection', async () => {
    const orgs = [];
    for (let i = 0; i < CACHE_SIZE + 2; i += 1) orgs.push(await createOrgWithToken(t));
    const written = new Map<string, string[]>();
    for (const { token, org } of orgs) written.set(org.collection_name, [await addRecord(token, { first: true })]);

    expect(registry.stats).toMatchObject({ size: CACHE_SIZE, capacity: CACHE_SIZE });
    const oldest = orgs[0];
    expect(registeredModelFor(oldest.org.collection_name)).toBe(false);
    expect(registeredModelFor(orgs[orgs.length - 1].org.collection_name)).toBe(true);

    written.get(oldest.org.collection_name)!.push(await addRecord(oldest.token, { again: true }));
    expect(registeredModelFor(oldest.org.collection_name)).toBe(true);
    expect(registry.stats.size).toBe(CACHE_SIZE);
    for (const [collection, ids] of written) expect(await storedIds(collection)).toEqual([...ids].sort());
  });
});
