import { Types } from 'mongoose';
import { CROSS_INSTANCE_STALENESS_MS } from '../../src/common/cache/expiring-cache.js';
import { TenantClusters } from '../../src/tenants/clusters/tenant-clusters.service.js';
import { expectError } from '../support/expect-error.js';
import { untilStatus } from '../support/polling.js';
import { createOrgWithToken, Session, useServiceProcess, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/**
 * Authenticated requests serve the admin's credential state from a short-lived per-instance cache;
 * record reads try the collections remembered for the organization, and name and email lookups the
 * owner seen last, each checked against what it finds. These tests warm the caches first and prove
 * that no change is missed: at once on the instance that made it, within the bound on another
 * where the bound applies, and that a remembered collection never yields another organization's record.
 */
describe('request caches (e2e)', () => {
  const a = useTestApp();
  /** Another instance on the same databases, as behind a load balancer: a process of its own. */
  const b = useServiceProcess({}, { onDatabasesOf: a });

  const readRecord = (t: Session, token: string, id: string) => t.withToken(token).get(`/org/records/${id}`);

  /** An organization with one record, read once through `warmOn` so that its caches hold them. */
  async function orgWithRecord(warmOn: Session) {
    const { token, input } = await createOrgWithToken(a);
    const record = await a.withToken(token).post('/org/records').send({ sku: 'A-1' }).expect(201);
    await readRecord(warmOn, token, record.body.id).expect(200);
    return { token, input, recordId: record.body.id as string };
  }

  describe('on the instance that made the change', () => {
    it('refuses a warm token at once after a password change', async () => {
      const { token, recordId } = await orgWithRecord(a);
      await a.withToken(token).put('/org/update').send({ password: 'fresh-Strong-passphrase-1' }).expect(200);
      expectError(await readRecord(a, token, recordId), 401, 'Invalid or expired token');
    });

    it('refuses a warm token at once after the organization is deleted', async () => {
      const { token, input, recordId } = await orgWithRecord(a);
      await a.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
      expectError(await readRecord(a, token, recordId), 401, 'Invalid or expired token');
    });

    it('reads a record from the new collection at once after a rename', async () => {
      const { token, recordId } = await orgWithRecord(a);
      const renamed = await a
        .withToken(token)
        .put('/org/update')
        .send({ organization_name: uniqueOrg('Moved').organization_name })
        .expect(200);
      expect(renamed.body.current_collection).not.toBe(renamed.body.previous_collection);
      const read = await readRecord(a, token, recordId).expect(200);
      expect(read.body).toEqual(expect.objectContaining({ id: recordId, data: { sku: 'A-1' } }));
    });
  });

  describe('record reads through the collections remembered for an organization', () => {
    /** Through the service's own connection to the default cluster's tenant database. */
    const storeDirectly = async (collection: string, document: Record<string, unknown>) =>
      (await a.app.get(TenantClusters).database('default', a.config.mongo.tenantDbName))
        .collection(collection)
        .insertOne({ created_at: new Date(), updated_at: new Date(), ...document });

    it('never answer with a document that names another organization as its owner', async () => {
      const { token, recordId } = await orgWithRecord(a);
      const own = await readRecord(a, token, recordId).expect(200);
      const collection = (await a.withToken(token).get('/org/collection/stats').expect(200)).body.collection_name as string;
      const foreignId = new Types.ObjectId();
      await storeDirectly(collection, { _id: foreignId, org_id: new Types.ObjectId(), data: { secret: 'of another organization' } });
      expectError(await readRecord(a, token, foreignId.toHexString()), 404, 'Record not found');
      expect((await readRecord(a, token, recordId).expect(200)).body).toEqual(own.body);
    });

    it("never read another organization's record through an old collection name that organization now owns", async () => {
      const { token, input, recordId } = await orgWithRecord(a);
      await a
        .withToken(token)
        .put('/org/update')
        .send({ organization_name: uniqueOrg('Moved').organization_name })
        .expect(200);
      // A new organization under the old name gets the old collection name, and a record in it.
      const successor = await createOrgWithToken(a, { ...uniqueOrg('Successor'), organization_name: input.organization_name });
      const theirs = await a.withToken(successor.token).post('/org/records').send({ owner: 'successor' }).expect(201);
      expectError(await readRecord(a, token, theirs.body.id), 404, 'Record not found');
      await readRecord(a, token, recordId).expect(200);
      await readRecord(a, successor.token, theirs.body.id).expect(200);
    });

    it("never answer with a document that names no owner, even in the organization's own collection", async () => {
      const { token } = await orgWithRecord(a);
      const collection = (await a.withToken(token).get('/org/collection/stats').expect(200)).body.collection_name as string;
      const ownerlessId = new Types.ObjectId();
      await storeDirectly(collection, { _id: ownerlessId, data: { stored: 'without org_id' } });
      expectError(await readRecord(a, token, ownerlessId.toHexString()), 404, 'Record not found');
    });
  });

  describe('on another instance', () => {
    it('reads a record at once after a rename made elsewhere (a miss is checked against the current state)', async () => {
      const { token, recordId } = await orgWithRecord(b);
      await a
        .withToken(token)
        .put('/org/update')
        .send({ organization_name: uniqueOrg('Moved').organization_name })
        .expect(200);
      const read = await readRecord(b, token, recordId).expect(200);
      expect(read.body.id).toBe(recordId);
    });

    it('finds an organization by name through its current owner at once after a rename and a reuse of the name made elsewhere', async () => {
      const { org, token, input } = await createOrgWithToken(a);
      const byName = (t: Session, name: string) => t.http().get('/org/get').query({ organization_name: name });
      expect((await byName(b, input.organization_name).expect(200)).body.id).toBe(org.id);
      const newName = uniqueOrg('Moved').organization_name;
      await a.withToken(token).put('/org/update').send({ organization_name: newName }).expect(200);
      expectError(await byName(b, input.organization_name), 404);
      expect((await byName(b, newName).expect(200)).body.id).toBe(org.id);
      const successor = await createOrgWithToken(a, { ...uniqueOrg('Successor'), organization_name: input.organization_name });
      expect((await byName(b, input.organization_name).expect(200)).body.id).toBe(successor.org.id);
    });

    it('logs in by the current email at once after an email change made elsewhere', async () => {
      const { token, input } = await createOrgWithToken(a);
      const login = (email: string) => b.http().post('/admin/login').send({ email, password: input.password });
      await login(input.email).expect(200);
      const newEmail = uniqueOrg().email;
      await a.withToken(token).put('/org/update').send({ email: newEmail }).expect(200);
      expectError(await login(input.email), 401);
      await login(newEmail).expect(200);
    });

    it('refuses a warm token within the staleness bound after a password change made elsewhere', async () => {
      const { token, recordId } = await orgWithRecord(b);
      await a.withToken(token).put('/org/update').send({ password: 'fresh-Strong-passphrase-2' }).expect(200);
      await untilStatus(() => readRecord(b, token, recordId), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
    });

    it('refuses a warm token within the staleness bound after the organization is deleted elsewhere', async () => {
      const { token, input, recordId } = await orgWithRecord(b);
      await a.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
      await untilStatus(() => readRecord(b, token, recordId), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
    });
  });
});
