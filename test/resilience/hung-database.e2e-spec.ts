import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningFerretDb, startFerretDb } from '../../scripts/ferretdb.mjs';
import { expectError } from '../support/expect-error.js';
import { FetchClient, fetchClient } from '../support/fetch-client.js';
import { waitFor } from '../support/lifecycle-state.js';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { TEST_OPERATOR_KEY, testEnvironment, uniqueOrg } from '../support/test-app.js';

const SELECTION_TIMEOUT_MS = 1000;
/**
 * Loose: several times the setting. With the driver's default heartbeat interval a hung server is
 * noticed only after that interval, well past this.
 */
const ANSWER_WITHIN_MS = 5 * SELECTION_TIMEOUT_MS;

/**
 * A hung database: FerretDB stopped with SIGSTOP, so the kernel still accepts connections but
 * nothing ever answers. The built service must answer 503 within about its server selection
 * timeout and serve again once the database continues.
 */
describe('hung database (built service, own FerretDB stopped with SIGSTOP)', () => {
  let dataDir: string;
  let database: RunningFerretDb;
  let service: ServiceProcess;
  let api: FetchClient;
  let token: string;
  let recordId: string;
  const input = uniqueOrg('Hung');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hung-ferretdb-'));
    database = await startFerretDb({ dataDir });
    service = await startServiceProcess(
      testEnvironment({ MONGODB_URI: database.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_TIMEOUT_MS) }),
    );
    api = fetchClient(service.baseUrl);
    expect((await api.request('POST', '/org/create', { body: input })).status).toBe(201);
    const login = await api.request('POST', '/admin/login', { body: { email: input.email, password: input.password } });
    token = (login.body as { access_token: string }).access_token;
    recordId = ((await api.request('POST', '/org/records', { token, body: { kept: true } })).body as { id: string }).id;
    expect(recordId).toEqual(expect.any(String));
  }, 60_000);

  afterAll(async () => {
    if (database) process.kill(database.pid, 'SIGCONT');
    await service?.stop();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After within about the server selection timeout', async () => {
    process.kill(database.pid, 'SIGSTOP');

    const timed = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
      const started = Date.now();
      const response = await api.request(method, path, { ...options, timeoutMs: 30_000 });
      return { response, ms: Date.now() - started, what: `${method} ${path}` };
    };
    const answers = [
      await timed('GET', `/org/get?organization_name=${encodeURIComponent(input.organization_name)}`),
      await timed('GET', `/org/records/${recordId}`, { token }),
      await timed('POST', '/org/records', { token, body: { during: 'hang' } }),
      await timed('GET', '/org/list', { token: TEST_OPERATOR_KEY }),
      await timed('GET', `/org/get?organization_name=${encodeURIComponent(input.organization_name)}`),
    ];
    console.info(
      `answers while hung: ${answers.map(({ what, ms }) => `${what} ${ms} ms`).join(', ')} (information; bound ${ANSWER_WITHIN_MS} ms)`,
    );
    for (const { response, ms, what } of answers) {
      expectError(response, 503, 'The database is unavailable; retry shortly');
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect({ what, ms: Math.min(ms, ANSWER_WITHIN_MS) }).toEqual({ what, ms });
    }

    const ready = await timed('GET', '/health/ready');
    expectError(ready.response, 503, 'Not ready: database failed');
    expect(ready.response.headers['retry-after']).toMatch(/^\d+$/);
    expect(ready.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(service.child.exitCode).toBeNull();
  }, 120_000);

  it('serves again once the database continues', async () => {
    process.kill(database.pid, 'SIGCONT');
    await waitFor(
      async () => ((await api.request('GET', '/health/ready')).status === 200 ? true : undefined),
      () => '/health/ready to answer 200',
      30_000,
    );
    const record = await api.request('GET', `/org/records/${recordId}`, { token });
    expect(record.body).toMatchObject({ id: recordId, data: { kept: true } });
  }, 60_000);
});
