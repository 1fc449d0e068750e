import { expectError } from '../support/expect-error.js';
import { FetchClient } from '../support/fetch-client.js';
import { startServiceProcess } from '../support/service-process.js';
import { useServiceProcess } from '../support/session.js';
import { testEnvironment, uniqueOrg } from '../support/test-app.js';

/**
 * Endpoints of the API and how they take a bearer token: not at all (public), always (bearer), or
 * optionally (a public create or accept that a person's token may come along with), or an operator key.
 */
type Access = 'public' | 'bearer' | 'optional' | 'operator';
const ENDPOINTS: [method: string, path: string, access: Access][] = [
  ['post', '/org/create', 'optional'],
  ['post', '/admin/login', 'public'],
  ['post', '/admin/switch', 'bearer'],
  ['get', '/me', 'bearer'],
  ['patch', '/me', 'bearer'],
  ['delete', '/me', 'bearer'],
  ['get', '/me/organizations', 'bearer'],
  ['post', '/invitations/accept', 'optional'],
  ['get', '/org/get', 'public'],
  ['get', '/org/list', 'operator'],
  ['put', '/org/update', 'bearer'],
  ['delete', '/org/delete', 'bearer'],
  ['get', '/org/collection/stats', 'bearer'],
  ['post', '/org/records', 'bearer'],
  ['get', '/org/records', 'bearer'],
  ['get', '/org/records/{id}', 'bearer'],
  ['put', '/org/records/{id}', 'bearer'],
  ['delete', '/org/records/{id}', 'bearer'],
  ['get', '/health', 'public'],
  ['get', '/health/ready', 'public'],
];
const SECURITY: Record<Access, unknown[]> = {
  public: [],
  bearer: [{ bearer: [] }],
  optional: [{}, { bearer: [] }],
  operator: [{ operator: [] }],
};

/** The built service (`node dist/main.js`) in a process of its own, driven over real HTTP. */
describe('the running service (e2e, child process)', () => {
  const t = useServiceProcess();
  const call: FetchClient['request'] = (method, path, options) => t.api.request(method, path, options);

  it('answers /health and /health/ready', async () => {
    const live = await call('GET', '/health');
    expect({ status: live.status, body: live.body }).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(live.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('runs an organization through create, login, records, rename, stats and delete', async () => {
    const input = uniqueOrg('Process');
    const created = await call('POST', '/org/create', { body: input });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organization_name: input.organization_name, status: 'active', admin: { email: input.email } });

    const login = await call('POST', '/admin/login', { body: { email: input.email, password: input.password } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({
      token_type: 'bearer',
      org_id: created.body.id,
      admin_id: created.body.admin.id,
      role: 'owner',
      organizations: [{ id: created.body.id, organization_name: input.organization_name, role: 'owner' }],
    });
    const token: string = login.body.access_token;

    const record = await call('POST', '/org/records', { token, body: { sku: 'A-1', qty: 3 } });
    expect(record.status).toBe(201);
    expect(record.body.data).toEqual({ sku: 'A-1', qty: 3 });
    expect((await call('POST', '/org/records', { token, body: { sku: 'B-2' } })).status).toBe(201);

    const renamedTo = uniqueOrg('Process renamed').organization_name;
    const updated = await call('PUT', '/org/update', { token, body: { organization_name: renamedTo } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      previous_collection: created.body.collection_name,
      current_collection: updated.body.organization.collection_name,
      documents_migrated: 2,
    });

    const fetched = await call('GET', `/org/records/${record.body.id}`, { token });
    expect({ status: fetched.status, data: fetched.body.data }).toEqual({ status: 200, data: { sku: 'A-1', qty: 3 } });
    const stats = await call('GET', '/org/collection/stats', { token });
    expect(stats.body).toMatchObject({ collection_name: updated.body.current_collection, documents: 2 });
    const found = await call('GET', `/org/get?organization_name=${encodeURIComponent(renamedTo)}`);
    expect(found.body).toMatchObject({ id: created.body.id, organization_name: renamedTo });

    const deleted = await call('DELETE', '/org/delete', { token, body: { organization_name: renamedTo } });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: expect.any(String), organization_name: renamedTo, documents_deleted: 2 });
    expectError(await call('GET', '/org/collection/stats', { token }), 401);
    expectError(await call('GET', `/org/get?organization_name=${encodeURIComponent(renamedTo)}`), 404);
    // The account outlives its organization: its login now gives an account token with no organization.
    const after = await call('POST', '/admin/login', { body: { email: input.email, password: input.password } });
    expect({ status: after.status, body: after.body }).toEqual({
      status: 200,
      body: expect.objectContaining({ admin_id: created.body.admin.id, org_id: null, role: null, organizations: [] }),
    });
    const me = await call('GET', '/me', { token: after.body.access_token });
    expect({ status: me.status, body: me.body }).toEqual({
      status: 200,
      body: expect.objectContaining({ id: created.body.admin.id, email: input.email }),
    });
  });

  it('answers errors in the one error shape over real HTTP', async () => {
    expectError(await call('GET', '/no/such/route'), 404);
    expectError(await call('POST', '/org/create', { raw: '{"organization_name": ' }), 400);
    expectError(await call('POST', '/org/create', { body: { organization_name: 'x', email: 'bad', password: 'short' } }), 400);
    expectError(await call('PUT', '/org/update', { body: { organization_name: 'x' } }), 401);
  });

  it('serves Swagger UI at /docs', async () => {
    const docs = await call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
    expect(docs.body).toMatch(/swagger-ui/i);
  });

  it('lists every endpoint in /docs-json, with bearer security exactly on the protected ones and optional on the public ones that take a token', async () => {
    const res = await call('GET', '/docs-json');
    expect(res.status).toBe(200);
    const document = res.body;
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const [method, path, access] of ENDPOINTS) {
      const operation = document.paths[path]?.[method];
      expect({ method, path, documented: operation !== undefined }).toEqual({ method, path, documented: true });
      expect({ method, path, security: operation.security ?? [] }).toEqual({ method, path, security: SECURITY[access] });
      if (access !== 'public') expect({ method, path, 401: operation.responses['401'] !== undefined }).toEqual({ method, path, 401: true });
    }
  });

  it('documents request and response schemas (the Swagger plugin ran on the build)', async () => {
    const { body: document } = await call('GET', '/docs-json');
    const ref = (schemaName: string) => ({ $ref: `#/components/schemas/${schemaName}` });
    expect(document.paths['/org/create'].post.requestBody.content['application/json'].schema).toEqual(ref('CreateOrganizationDto'));
    expect(document.paths['/org/create'].post.responses['201'].content['application/json'].schema).toEqual(ref('CreatedOrganizationDto'));
    expect(document.paths['/admin/login'].post.responses['200'].content['application/json'].schema).toEqual(ref('LoginResponseDto'));
    const create = document.components.schemas.CreateOrganizationDto;
    expect(Object.keys(create.properties).sort()).toEqual(['email', 'organization_name', 'password']);
    // email and password are required without a token only; with a person's token the name alone is sent.
    expect([...create.required].sort()).toEqual(['organization_name']);
    const login = document.components.schemas.LoginResponseDto;
    expect(Object.keys(login.properties).sort()).toEqual(
      ['access_token', 'admin_id', 'expires_in', 'org_id', 'organizations', 'role', 'token_type'].sort(),
    );
    expect(document.paths['/admin/switch'].post.responses['200'].content['application/json'].schema).toEqual(ref('LoginResponseDto'));
    expect(document.components.schemas.UpdateOrganizationDto.required ?? []).toEqual([]);
    expect(Object.keys(document.components.schemas.ErrorResponseDto.properties).sort()).toEqual([
      'error',
      'message',
      'requestId',
      'statusCode',
    ]);
  });
});

// Each variable's rules are unit-tested in src/config/environment.spec.ts; these prove the process stops.
describe('the service with a bad configuration (child process)', () => {
  /** Starts the service expecting it to refuse; answers what it printed, or fails if it came up. */
  const startupFailure = async (overrides: Record<string, string>): Promise<string> =>
    startServiceProcess(testEnvironment(overrides)).then(
      async (service) => {
        await service.stop();
        throw new Error('The service started despite a bad configuration');
      },
      (error: Error) => error.message,
    );

  it.each([
    ['a short JWT_SECRET in production', { NODE_ENV: 'production', JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
    ['a non-numeric ARGON2_MEMORY_KIB', { ARGON2_MEMORY_KIB: 'abc' }, 'ARGON2_MEMORY_KIB'],
    ['a MONGODB_URI that is not a MongoDB URI', { MONGODB_URI: 'http://127.0.0.1:1' }, 'MONGODB_URI'],
  ])('exits non-zero naming the variable for %s', async (_label, overrides, variable) => {
    const message = await startupFailure(overrides);
    expect(message).toMatch(/exited during start-up \(1\)/);
    expect(message).toContain('Invalid configuration');
    expect(message).toContain(variable);
    expect(message).not.toMatch(/^\s+at /m);
  });
});
