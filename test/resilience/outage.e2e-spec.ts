import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RunningFerretDb, startFerretDb } from '../../scripts/ferretdb.mjs';
import { expectError } from '../support/expect-error.js';
import { FetchClient, fetchClient } from '../support/fetch-client.js';
import { waitFor } from '../support/lifecycle-state.js';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { createOrgWithTokenVia } from '../support/session.js';
import { TEST_OPERATOR_KEY, testEnvironment, uniqueOrg } from '../support/test-app.js';

/** A request that hangs instead of failing fast fails the test (generous, not a timing goal). */
const NO_HANG_MS = 10_000;

/**
 * The built service runs against a FerretDB of this suite's own, which is stopped mid-suite and
 * started again on the same port and data directory while the service keeps running.
 */
describe('database outage (built service, own FerretDB)', () => {
  let dataDir: string;
  let port: number;
  let database: RunningFerretDb;
  let service: ServiceProcess;
  let api: FetchClient;
  let token: string;
  let recordId: string;
  const input = uniqueOrg('Outage');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'outage-ferretdb-'));
    port = await freePort();
    database = await startFerretDb({ port, dataDir });
    service = await startServiceProcess(testEnvironment({ MONGODB_URI: database.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000' }));
    api = fetchClient(service.baseUrl);
    ({ token } = await createOrgWithTokenVia(api, input));
    recordId = (await api.request('POST', '/org/records', { token, body: { kept: 'through the outage' } })).body.id;
    expect(recordId).toEqual(expect.any(String));
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 quickly while the database is down and stays up', async () => {
    await database.stop();

    const request = (method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
      api.request(method, path, { ...options, timeoutMs: NO_HANG_MS });
    expect((await request('GET', '/health')).status).toBe(200);
    expectError(await request('GET', '/health/ready'), 503);

    const duringOutage = [
      await request('GET', `/org/records/${recordId}`, { token }),
      await request('GET', '/org/records', { token }),
      await request('POST', '/org/records', { token, body: { lost: false } }),
      await request('GET', `/org/get?organization_name=${encodeURIComponent(input.organization_name)}`),
      await request('GET', '/org/list', { token: TEST_OPERATOR_KEY }),
      await request('GET', '/platform/organizations', { token: TEST_OPERATOR_KEY }),
      await request('POST', '/admin/login', { body: { email: input.email, password: input.password } }),
      await request('POST', '/org/create', { body: uniqueOrg('During outage') }),
      await request('GET', '/org/collection/stats', { token }),
    ];
    for (const response of duringOutage) {
      expectError(response, 503, 'The database is unavailable; retry shortly');
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect((await request('GET', '/health')).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
    expect(service.child.signalCode).toBeNull();
  }, 120_000);

  it('serves again once the database is back, without a restart', async () => {
    database = await startFerretDb({ port, dataDir });
    await waitFor(
      async () => ((await api.request('GET', '/health/ready')).status === 200 ? true : undefined),
      () => '/health/ready to answer 200',
      30_000,
    );

    expect((await api.request('GET', `/org/records/${recordId}`, { token })).body.data).toEqual({ kept: 'through the outage' });
    const written = await api.request('POST', '/org/records', { token, body: { after: 'outage' } });
    expect(written.status).toBe(201);
    const list = await api.request('GET', '/org/records', { token });
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([recordId, written.body.id]);
    expect((await api.request('POST', '/admin/login', { body: { email: input.email, password: input.password } })).status).toBe(200);
    expect((await api.request('POST', '/org/create', { body: uniqueOrg('After outage') })).status).toBe(201);
    expect(service.child.exitCode).toBeNull();
  }, 60_000);
});
