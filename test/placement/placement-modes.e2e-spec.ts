import { Types } from 'mongoose';
import { OrganizationReconciler } from '../../src/organizations/lifecycle/organization-reconciler.service.js';
import { expectError } from '../support/expect-error.js';
import { bearer } from '../support/fetch-client.js';
import { moveTo, organizationOf, type PlacementView, storedAt } from '../support/placement.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY, twoClusters, uniqueOrg } from '../support/test-app.js';

const OPERATOR = bearer(TEST_OPERATOR_KEY);

/** Every records route and the stats, against what is stored at the organization's placement. */
async function exerciseRecords(t: ReturnType<typeof useTestApp>, owner: OrgWithToken, placement: PlacementView): Promise<void> {
  const api = t.withToken(owner.token);
  const created = await api.post('/org/records').send({ sku: 'A-1', qty: 3 }).expect(201);
  const id = created.body.id as string;
  const stored = await storedAt(t.db, placement, owner.org.id);
  expect(stored.map(({ _id }) => _id.toHexString())).toContain(id);
  expect((await api.get(`/org/records/${id}`).expect(200)).body).toEqual(created.body);
  await api.put(`/org/records/${id}`).send({ sku: 'A-2' }).expect(200);
  expect((await t.db.collectionAt(placement).findOne({ _id: new Types.ObjectId(id) }))?.data).toEqual({ sku: 'A-2' });
  const page = await api.get('/org/records').query({ limit: 100 }).expect(200);
  expect(page.body.items.map(({ id: itemId }: { id: string }) => itemId).sort()).toEqual(
    (await storedAt(t.db, placement, owner.org.id)).map(({ _id }) => _id.toHexString()).sort(),
  );
  const stats = await api.get('/org/collection/stats').expect(200);
  expect(stats.body).toMatchObject({ collection_name: placement.collection, documents: page.body.items.length });
  await api.delete(`/org/records/${id}`).expect(204);
  expectError(await api.get(`/org/records/${id}`), 404, 'Record not found');
  expect(await t.db.collectionAt(placement).findOne({ _id: new Types.ObjectId(id) })).toBeNull();
}

describe('tenant placement: the records API in every mode, on both clusters (e2e)', () => {
  const t = useTestApp(twoClusters());

  it('serves every records route and the stats in each mode on each cluster, the data following each move', async () => {
    const owner = await createOrgWithToken(t);
    const kept = await t.withToken(owner.token).post('/org/records').send({ kept: true }).expect(201);
    const tenantDb = t.config.mongo.tenantDbName;
    expect(owner.org.placement).toEqual({
      mode: 'collection',
      cluster: 'default',
      database: tenantDb,
      collection: `org_${owner.org.slug}`,
    });
    await exerciseRecords(t, owner, owner.org.placement);
    const targets = [
      { mode: 'shared', cluster: 'default' },
      { mode: 'database', cluster: 'default' },
      { mode: 'collection', cluster: 'b' },
      { mode: 'shared', cluster: 'b' },
      { mode: 'database', cluster: 'b' },
      { mode: 'collection', cluster: 'default' },
    ];
    for (const target of targets) {
      await moveTo(t, owner.org.id, target);
      const org = await organizationOf(t, owner.org.id);
      const expected = {
        collection: { database: tenantDb, collection: `org_${owner.org.slug}` },
        shared: { database: tenantDb, collection: 'shared_records' },
        database: { database: `${tenantDb}_${owner.org.id}`, collection: 'records' },
      }[target.mode]!;
      expect(org.placement).toEqual({ ...target, ...expected });
      expect(org.collection_name).toBe(expected.collection);
      // The record from before every move is still there, with its id and contents.
      expect((await t.withToken(owner.token).get(`/org/records/${kept.body.id}`).expect(200)).body).toEqual(kept.body);
      await exerciseRecords(t, owner, org.placement);
    }
  });

  it('answers 200 with the organization when its data is there already, and 400 for an unknown mode or cluster', async () => {
    const { org } = await createOrgWithToken(t);
    const same = await t.http().post(`/platform/organizations/${org.id}/placement`).set(OPERATOR).send({ mode: 'collection' }).expect(200);
    expect(same.body).toMatchObject({ id: org.id, placement: org.placement });
    expectError(
      await t.http().post(`/platform/organizations/${org.id}/placement`).set(OPERATOR).send({ mode: 'sharded' }),
      400,
      'mode must be one of collection, shared, database',
    );
    const unknown = await t
      .http()
      .post(`/platform/organizations/${org.id}/placement`)
      .set(OPERATOR)
      .send({ mode: 'shared', cluster: 'nowhere' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/Unknown cluster nowhere/);
    expectError(
      await t.http().post(`/platform/organizations/${new Types.ObjectId().toHexString()}/placement`).set(OPERATOR).send({ mode: 'shared' }),
      404,
      'Organization not found',
    );
    expectError(await t.http().get(`/platform/moves/${new Types.ObjectId().toHexString()}`).set(OPERATOR), 404, 'Move not found');
  });

  it('reports each cluster on /platform/clusters, /health/ready and /metrics', async () => {
    const owner = await createOrgWithToken(t);
    await moveTo(t, owner.org.id, { mode: 'database', cluster: 'b' });
    await t.withToken(owner.token).post('/org/records').send({ on: 'b' }).expect(201);
    const clusters = (await t.http().get('/platform/clusters').set(OPERATOR).expect(200)).body;
    expect(clusters.map(({ name }: { name: string }) => name)).toEqual(['default', 'b']);
    const b = clusters[1];
    expect(b).toMatchObject({ name: 'b', reachable: true, budget: 10_000 });
    expect(b.organizations.database).toBeGreaterThanOrEqual(1);
    expect(b.collections).toBeGreaterThanOrEqual(1);
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.clusters).toEqual({ default: { reachable: true }, b: { reachable: true } });
    const metrics = (await t.http().get('/metrics').set(OPERATOR)).text;
    expect(metrics).toMatch(/tenant_cluster_operations_total\{cluster="b"\} [1-9]/);
    expect(metrics).toMatch(/tenant_cluster_errors_total\{cluster="default"\} \d+/);
  });
});

describe('tenant placement: shared mode isolation (e2e)', () => {
  const t = useTestApp(twoClusters({ DEFAULT_PLACEMENT: 'shared' }));

  it('never shows, changes or deletes another organization’s documents in the shared collection (randomized)', async () => {
    const orgs: OrgWithToken[] = [];
    for (let i = 0; i < 6; i += 1) orgs.push(await createOrgWithToken(t));
    const idsOf = new Map<string, string[]>();
    for (const owner of orgs) {
      expect(owner.org.placement).toMatchObject({ mode: 'shared', collection: 'shared_records' });
      const ids: string[] = [];
      const count = 3 + Math.floor(Math.random() * 5);
      // The same data in every organization: only the organization id tells the documents apart.
      for (let i = 0; i < count; i += 1)
        ids.push((await t.withToken(owner.token).post('/org/records').send({ i, same: true }).expect(201)).body.id);
      idsOf.set(owner.org.id, ids);
    }
    const allIds = [...idsOf.values()].flat();
    for (const owner of orgs) {
      const own = new Set(idsOf.get(owner.org.id));
      const api = t.withToken(owner.token);
      const listed = await api.get('/org/records').query({ limit: 100 }).expect(200);
      expect(listed.body.items.map(({ id }: { id: string }) => id).sort()).toEqual([...own].sort());
      // Cursors from anywhere in the shared collection still list only the organization's own.
      const cursor = allIds[Math.floor(Math.random() * allIds.length)];
      const after = await api.get('/org/records').query({ limit: 100, cursor }).expect(200);
      for (const { id } of after.body.items) expect(own.has(id)).toBe(true);
      const stats = await api.get('/org/collection/stats').expect(200);
      expect(stats.body).toMatchObject({ collection_name: 'shared_records', documents: own.size });
      for (const foreign of allIds
        .filter((id) => !own.has(id))
        .sort(() => Math.random() - 0.5)
        .slice(0, 4)) {
        expectError(await api.get(`/org/records/${foreign}`), 404, 'Record not found');
        expectError(await api.put(`/org/records/${foreign}`).send({ stolen: true }), 404, 'Record not found');
        expectError(await api.delete(`/org/records/${foreign}`), 404, 'Record not found');
      }
    }
    // Nothing foreign was changed or deleted.
    const shared = t.db.collectionAt(orgs[0].org.placement);
    expect(await shared.countDocuments({ _id: { $in: allIds.map((id) => new Types.ObjectId(id)) } })).toBe(allIds.length);
    expect(await shared.countDocuments({ 'data.stolen': true })).toBe(0);
  });

  it('renames without moving data, and deletes only the organization’s own documents', async () => {
    const owner = await createOrgWithToken(t);
    const other = await createOrgWithToken(t);
    const record = await t.withToken(owner.token).post('/org/records').send({ x: 1 }).expect(201);
    await t.withToken(other.token).post('/org/records').send({ y: 1 }).expect(201);
    const renamed = await t
      .withToken(owner.token)
      .put('/org/update')
      .send({ organization_name: uniqueOrg('Renamed').organization_name })
      .expect(200);
    expect(renamed.body).toMatchObject({
      documents_migrated: 0,
      previous_collection: 'shared_records',
      current_collection: 'shared_records',
    });
    expect(renamed.body.organization.placement).toEqual(owner.org.placement);
    const token = renamed.body.access_token as string;
    expect((await t.withToken(token).get(`/org/records/${record.body.id}`).expect(200)).body).toEqual(record.body);
    const deleted = await t
      .withToken(token)
      .delete('/org/delete')
      .query({ organization_name: renamed.body.organization.organization_name })
      .expect(200);
    expect(deleted.body.documents_deleted).toBe(1);
    expect(await storedAt(t.db, owner.org.placement, owner.org.id)).toEqual([]);
    expect(await storedAt(t.db, other.org.placement, other.org.id)).toHaveLength(1);
  });
});

describe('tenant placement: database mode (e2e)', () => {
  const t = useTestApp(twoClusters({ DEFAULT_PLACEMENT: 'database', DEFAULT_CLUSTER: 'b' }));

  it('keeps each organization in a database of its own on the default cluster, renames names only and drops the database on delete', async () => {
    const owner = await createOrgWithToken(t);
    const database = `${t.config.mongo.tenantDbName}_${owner.org.id}`;
    expect(owner.org.placement).toEqual({ mode: 'database', cluster: 'b', database, collection: 'records' });
    expect(await t.db.databasesOf('b')).toContain(database);
    await t.withToken(owner.token).post('/org/records').send({ x: 1 }).expect(201);
    const renamed = await t
      .withToken(owner.token)
      .put('/org/update')
      .send({ organization_name: uniqueOrg('Own Db').organization_name })
      .expect(200);
    expect(renamed.body).toMatchObject({ documents_migrated: 0, previous_collection: 'records', current_collection: 'records' });
    const token = renamed.body.access_token as string;
    const deleted = await t
      .withToken(token)
      .delete('/org/delete')
      .query({ organization_name: renamed.body.organization.organization_name })
      .expect(200);
    expect(deleted.body.documents_deleted).toBe(1);
    expect(await t.db.databasesOf('b')).not.toContain(database);
  });
});

describe('tenant placement: the collection budget (e2e)', () => {
  const t = useTestApp({ TENANT_COLLECTION_BUDGET: '10' });

  it('places new organizations shared once the cluster holds its budget of collections and indexes, and audits why', async () => {
    const placed: { mode: string; owner: OrgWithToken }[] = [];
    for (let i = 0; i < 8; i += 1) {
      const owner = await createOrgWithToken(t);
      placed.push({ mode: owner.org.placement.mode, owner });
    }
    const modes = placed.map(({ mode }) => mode);
    // Each collection-mode organization adds a collection and its _id index: 10 allow at most 5.
    expect(modes.filter((mode) => mode === 'collection').length).toBeLessThanOrEqual(5);
    expect(modes.at(-1)).toBe('shared');
    expect(modes.indexOf('shared')).toBeGreaterThan(0);
    const overflowed = placed.find(({ mode }) => mode === 'shared')!.owner;
    const audit = await t.withToken(overflowed.token).get('/org/audit').expect(200);
    const created = audit.body.items.find(({ action }: { action: string }) => action === 'organization.created');
    expect(created.details.placement).toEqual({ mode: 'shared', cluster: 'default' });
    expect(created.details.placement_overflow).toMatch(/budget of 10/);
    // The overflowed organization works like any other.
    await t.withToken(overflowed.token).post('/org/records').send({ ok: true }).expect(201);
  });
});

describe('tenant placement: organizations from before placements existed (e2e)', () => {
  const t = useTestApp();

  it('serves them from their own collection and writes their placement down on the next reconciler pass', async () => {
    const owner = await createOrgWithToken(t);
    const record = await t.withToken(owner.token).post('/org/records').send({ legacy: true }).expect(201);
    const organizations = t.db.master.collection('organizations');
    await organizations.updateOne({ _id: new Types.ObjectId(owner.org.id) }, { $unset: { placement: 1, move: 1 } });
    expect((await t.withToken(owner.token).get(`/org/records/${record.body.id}`).expect(200)).body).toEqual(record.body);
    await t.withToken(owner.token).post('/org/records').send({ still: 'writable' }).expect(201);
    const report = await t.app.get(OrganizationReconciler).reconcile();
    expect(report.backfilledPlacements).toBe(1);
    expect((await organizations.findOne({ _id: new Types.ObjectId(owner.org.id) }))?.placement).toEqual(owner.org.placement);
  });
});
