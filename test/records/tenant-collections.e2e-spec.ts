import { TenantCollectionRegistry } from '../../src/tenants/persistence/tenant-collection.registry.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const CACHE_SIZE = 2;

describe('tenant collections (e2e)', () => {
  const t = useTestApp({ TENANT_MODEL_CACHE_SIZE: String(CACHE_SIZE) });
  let registry: TenantCollectionRegistry;

  beforeAll(() => {
    registry = t.app.get(TenantCollectionRegistry);
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
  const cached = (collection: string) => registry.holds(inTenantDb(collection));

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

    // Two collection objects, two collections: none of them shared.
    const collectionA = await registry.collectionFor(inTenantDb(a.org.collection_name));
    const collectionB = await registry.collectionFor(inTenantDb(b.org.collection_name));
    expect(collectionA).not.toBe(collectionB);
    expect(collectionA.collectionName).toBe(a.org.collection_name);
    expect(collectionB.collectionName).toBe(b.org.collection_name);
    expect(collectionA.dbName).toBe(t.config.mongo.tenantDbName);
    expect(await registry.collectionFor(inTenantDb(a.org.collection_name))).toBe(collectionA);
  });

  it('forgets the old collection on rename; new writes land in the new collection', async () => {
    const { token, org } = await createOrgWithToken(t);
    const before = await addRecord(token, { phase: 'before' });
    expect(cached(org.collection_name)).toBe(true);
    const oldCollection = await registry.collectionFor(inTenantDb(org.collection_name));

    const renamed = await t
      .withToken(token)
      .put('/org/update')
      .send({ organization_name: uniqueOrg('Moved').organization_name })
      .expect(200);
    const newCollection = renamed.body.current_collection;
    expect(newCollection).not.toBe(org.collection_name);

    expect(cached(org.collection_name)).toBe(false);
    expect(registry.stats.size).toBeLessThanOrEqual(CACHE_SIZE);
    const after = await addRecord(token, { phase: 'after' });
    expect(cached(newCollection)).toBe(true);
    expect(await registry.collectionFor(inTenantDb(newCollection))).not.toBe(oldCollection);
    expect(await storedIds(newCollection)).toEqual([before, after].sort());
    expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
  });

  it('forgets the collection of a deleted organization', async () => {
    const { token, org, input } = await createOrgWithToken(t);
    await addRecord(token, { doomed: true });
    expect(cached(org.collection_name)).toBe(true);
    await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
    expect(cached(org.collection_name)).toBe(false);
    expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
  });

  it('keeps at most the configured number of collections, and an evicted one still writes to the right collection', async () => {
    const orgs = [];
    for (let i = 0; i < CACHE_SIZE + 2; i += 1) orgs.push(await createOrgWithToken(t));
    const written = new Map<string, string[]>();
    for (const { token, org } of orgs) written.set(org.collection_name, [await addRecord(token, { first: true })]);

    expect(registry.stats).toMatchObject({ size: CACHE_SIZE, capacity: CACHE_SIZE });
    const oldest = orgs[0];
    expect(cached(oldest.org.collection_name)).toBe(false);
    expect(cached(orgs[orgs.length - 1].org.collection_name)).toBe(true);

    written.get(oldest.org.collection_name)!.push(await addRecord(oldest.token, { again: true }));
    expect(cached(oldest.org.collection_name)).toBe(true);
    expect(registry.stats.size).toBe(CACHE_SIZE);
    for (const [collection, ids] of written) expect(await storedIds(collection)).toEqual([...ids].sort());
  });
});
