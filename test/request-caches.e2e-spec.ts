import request from 'supertest';
import { CROSS_INSTANCE_STALENESS_MS } from '../src/common/cache/expiring-cache.js';
import { expectError } from './support/expect-error.js';
import { ServiceProcess, startServiceProcess } from './support/service-process.js';
import { createOrgWithToken, createTestApp, TestApp, testEnvironment, uniqueOrg } from './support/test-app.js';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Authenticated requests serve the admin's credential state and, for record reads, the
 * organization from short-lived per-instance caches. These tests warm the caches first and prove
 * that no change is missed: at once on the instance that made it, within the bound on another.
 */
describe('request caches (e2e)', () => {
  let a: TestApp;
  let bProcess: ServiceProcess;
  /** Another instance on the same databases, as behind a load balancer: a process of its own. */
  let b: Pick<TestApp, 'http'>;

  beforeAll(async () => {
    a = await createTestApp();
    bProcess = await startServiceProcess(
      testEnvironment({ MASTER_DB_NAME: a.config.mongo.masterDbName, TENANT_DB_NAME: a.config.mongo.tenantDbName }),
    );
    b = { http: () => request(bProcess.baseUrl) };
  });

  afterAll(async () => {
    await bProcess?.stop();
    await a.close();
  });

  const readRecord = (t: Pick<TestApp, 'http'>, token: string, id: string) => t.http().get(`/org/records/${id}`).set(bearer(token));

  /** Polls until the request answers `status`, failing after `deadlineMs`. Returns the time it took. */
  async function untilStatus(request: () => Promise<{ status: number }>, status: number, deadlineMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const response = await request();
      if (response.status === status) return Date.now() - started;
      if (Date.now() - started > deadlineMs) throw new Error(`still ${response.status} after ${deadlineMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** An organization with one record, read once through `warmOn` so that its caches hold them. */
  async function orgWithRecord(warmOn: Pick<TestApp, 'http'>) {
    const { token, input } = await createOrgWithToken(a);
    const record = await a.http().post('/org/records').set(bearer(token)).send({ sku: 'A-1' }).expect(201);
    await readRecord(warmOn, token, record.body.id).expect(200);
    return { token, input, recordId: record.body.id as string };
  }

  describe('on the instance that made the change', () => {
    it('refuses a warm token at once after a password change', async () => {
      const { token, recordId } = await orgWithRecord(a);
      await a.http().put('/org/update').set(bearer(token)).send({ password: 'fresh-Strong-passphrase-1' }).expect(200);
      expectError(await readRecord(a, token, recordId), 401, 'Invalid or expired token');
    });

    it('refuses a warm token at once after the organization is deleted', async () => {
      const { token, input, recordId } = await orgWithRecord(a);
      await a.http().delete('/org/delete').set(bearer(token)).query({ organization_name: input.organization_name }).expect(200);
      expectError(await readRecord(a, token, recordId), 401, 'Invalid or expired token');
    });

    it('reads a record from the new collection at once after a rename', async () => {
      const { token, recordId } = await orgWithRecord(a);
      const renamed = await a.http().put('/org/update').set(bearer(token)).send({ organization_name: uniqueOrg('Moved').organization_name }).expect(200);
      expect(renamed.body.current_collection).not.toBe(renamed.body.previous_collection);
      const read = await readRecord(a, token, recordId).expect(200);
      expect(read.body).toEqual(expect.objectContaining({ id: recordId, data: { sku: 'A-1' } }));
    });
  });

  describe('on another instance', () => {
    it('reads a record at once after a rename made elsewhere (a miss is checked against the current state)', async () => {
      const { token, recordId } = await orgWithRecord(b);
      await a.http().put('/org/update').set(bearer(token)).send({ organization_name: uniqueOrg('Moved').organization_name }).expect(200);
      const read = await readRecord(b, token, recordId).expect(200);
      expect(read.body.id).toBe(recordId);
    });

    it('refuses a warm token within the staleness bound after a password change made elsewhere', async () => {
      const { token, recordId } = await orgWithRecord(b);
      await a.http().put('/org/update').set(bearer(token)).send({ password: 'fresh-Strong-passphrase-2' }).expect(200);
      await untilStatus(() => readRecord(b, token, recordId), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
    });

    it('refuses a warm token within the staleness bound after the organization is deleted elsewhere', async () => {
      const { token, input, recordId } = await orgWithRecord(b);
      await a.http().delete('/org/delete').set(bearer(token)).query({ organization_name: input.organization_name }).expect(200);
      await untilStatus(() => readRecord(b, token, recordId), 401, CROSS_INSTANCE_STALENESS_MS + 2000);
    });
  });
});
