import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useServiceProcess } from '../support/session.js';

const run = promisify(execFile);
const ROOT = process.cwd();
/** Where .ci/run finds the document for `redocly lint`. */
const DOCUMENT_REPORT = join(ROOT, 'reports', 'openapi.json');

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Security of a public operation that a person's token may come along with (create, accept an invitation). */
const OPTIONAL_BEARER = [{}, { bearer: [] }];
const takesOptionalToken = (operation: Json) => (operation.security as Json[]).some((requirement) => Object.keys(requirement).length === 0);

function operationsOf(document: Json): { method: string; path: string; operation: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] as Json })),
  );
}

/** What Swagger UI makes up from a schema when the document gives no example: not something a person would send. */
function isGeneric(value: unknown): boolean {
  if (typeof value === 'string')
    return /^(string)+$/i.test(value) || value === 'user@example.com' || value === '' || /^(.)\1*$/.test(value);
  if (Array.isArray(value)) return value.length === 0 || value.some(isGeneric);
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0 || Object.values(value).some(isGeneric);
  return false;
}

/** Every node of the document, with its JSON pointer. */
function* nodes(value: unknown, pointer = ''): Generator<[string, Json]> {
  if (typeof value !== 'object' || value === null) return;
  yield [pointer, value];
  for (const [key, child] of Object.entries(value)) yield* nodes(child, `${pointer}/${key}`);
}

/** The built service (the Swagger plugin runs on the build), its document and a client generated from it. */
describe('the OpenAPI document and a client generated from it (e2e, child process)', () => {
  const t = useServiceProcess();
  let document: Json;

  beforeAll(async () => {
    const response = await t.api.request('GET', '/docs-json');
    expect(response.status).toBe(200);
    document = response.body;
    await mkdir(join(ROOT, 'reports'), { recursive: true });
    await writeFile(DOCUMENT_REPORT, JSON.stringify(document, null, 2));
  });

  describe('the document', () => {
    it('names operations for clients (createOrganization, login, listRecords, the account routes), uniquely', () => {
      const ids = operationsOf(document).map(({ operation }) => operation.operationId as string);
      for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
      expect(new Set(ids).size).toBe(ids.length);
      expect(document.paths['/org/create'].post.operationId).toBe('createOrganization');
      expect(document.paths['/admin/login'].post.operationId).toBe('login');
      expect(document.paths['/org/records'].get.operationId).toBe('listRecords');
      expect(document.paths['/admin/switch'].post.operationId).toBe('switchOrganization');
      expect(document.paths['/me'].get.operationId).toBe('getAccount');
      expect(document.paths['/me'].patch.operationId).toBe('updateAccount');
      expect(document.paths['/me'].delete.operationId).toBe('deleteAccount');
      expect(document.paths['/me/organizations'].get.operationId).toBe('listAccountOrganizations');
    });

    it('declares the answers every operation can give and the headers they carry', () => {
      const errorSchema = { $ref: '#/components/schemas/ErrorResponseDto' };
      const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
      for (const { method, path, operation } of operationsOf(document)) {
        const where = `${method.toUpperCase()} ${path}`;
        const responses = operation.responses as Json;
        const isProtected = (operation.security as unknown[]).length > 0;
        // Operator routes (/platform/*, GET /org/list) refuse with 401 only: there is no role or organization to be refused for.
        const operatorOnly = (operation.security as Record<string, unknown>[]).every((scheme) => 'operator' in scheme);
        expect([where, responses.default?.content['application/json'].schema]).toEqual([where, errorSchema]);
        expect([where, responses['405']?.headers?.Allow]).toEqual([where, header('Allow')]);
        if (operation.requestBody) expect([where, responses['413']?.content['application/json'].schema]).toEqual([where, errorSchema]);
        if (isProtected) {
          // A token that comes along must be valid (401); a required one may also lack the role or the organization (403); an operator route refuses with 401 only.
          const expected = takesOptionalToken(operation) || operatorOnly ? ['401'] : ['401', '403'];
          expect([where, Object.keys(responses)]).toEqual([where, expect.arrayContaining(expected)]);
          expect([where, responses['401'].headers['WWW-Authenticate']]).toEqual([where, header('WWW-Authenticate')]);
        }
        for (const [status, response] of Object.entries(responses)) {
          expect([where, status, response.headers?.['X-Request-Id']]).toEqual([where, status, header('X-Request-Id')]);
          if (['409', '429', '503', 'default'].includes(status)) {
            expect([where, status, response.headers['Retry-After']]).toEqual([where, status, header('Retry-After')]);
          }
        }
      }
      expect(document.paths['/admin/login'].post.responses['429']).toBeDefined();
      expect(document.components.headers['Retry-After'].schema.type).toBe('integer');
    });

    it('states security on every operation: empty on the public ones, optional where a token may come along, bearer elsewhere', () => {
      const names = (operations: { method: string; path: string }[]) =>
        operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
      const operations = operationsOf(document);
      const publicOperations = operations.filter(({ operation }) => operation.security.length === 0);
      expect(names(publicOperations)).toEqual(['GET /', 'GET /health', 'GET /health/ready', 'GET /org/get', 'POST /admin/login']);
      // Without a token: a new or existing account by its credentials; with one: the account whose token it is.
      const optional = operations.filter(({ operation }) => takesOptionalToken(operation));
      expect(names(optional)).toEqual(['POST /invitations/accept', 'POST /org/create']);
      for (const path of ['/invitations/accept', '/org/create']) {
        expect([path, document.paths[path].post.security]).toEqual([path, OPTIONAL_BEARER]);
      }
      for (const { method, path, operation } of operations.filter(
        ({ operation }) =>
          operation.security.length > 0 &&
          !takesOptionalToken(operation) &&
          !operation.security.some((scheme: Json) => 'operator' in scheme),
      )) {
        expect([method, path, operation.security]).toEqual([method, path, [{ bearer: [] }]]);
      }
      // An operator key unless the instance runs with ORG_LIST_PUBLIC=true; the document states which.
      expect(document.paths['/org/list'].get.security).toEqual([{ operator: [] }]);
      for (const { path, operation } of operationsOf(document).filter(({ path }) => path.startsWith('/platform/'))) {
        expect([path, operation.security]).toEqual([path, [{ operator: [] }]]);
      }
    });

    it('types counts and status codes as integers and leaves no description empty', () => {
      const numbers = [...nodes(document)].filter(([, node]) => node.type === 'number').map(([pointer]) => pointer);
      expect(numbers).toEqual([]);
      const schemas = document.components.schemas;
      expect(schemas.ErrorResponseDto.properties.statusCode.type).toBe('integer');
      expect(schemas.CollectionStatsDto.properties.documents.type).toBe('integer');
      expect(schemas.LoginResponseDto.properties.expires_in.type).toBe('integer');
      const empty = [...nodes(document)].filter(([, node]) => node.description === '').map(([pointer]) => pointer);
      expect(empty).toEqual([]);
      expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    });

    it('names every enum and the record body once instead of repeating them inline', () => {
      const inlineEnums = [...nodes(document)]
        .filter(([pointer, node]) => Array.isArray(node.enum) && node.enum.length > 1 && !/^\/components\/schemas\/[^/]+$/.test(pointer))
        .map(([pointer]) => pointer);
      expect(inlineEnums).toEqual([]);
      expect(document.components.schemas.OrganizationStatus.enum).toEqual(['provisioning', 'active', 'migrating', 'deleting']);
      const recordBody = { $ref: '#/components/schemas/RecordData' };
      expect(document.paths['/org/records'].post.requestBody.content['application/json'].schema).toEqual(recordBody);
      expect(document.paths['/org/records/{id}'].put.requestBody.content['application/json'].schema).toEqual(recordBody);
    });

    it('gives /health and /health/ready response schemas that their answers fit', async () => {
      expect(document.paths['/health'].get.responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/LivenessDto',
      });
      expect(document.paths['/health/ready'].get.responses['200'].content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/ReadinessDto',
      });
      const schemas = document.components.schemas;
      const ready = await t.api.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(Object.keys(schemas.ReadinessDto.properties)).toEqual(expect.arrayContaining(Object.keys(ready.body)));
      expect(Object.keys(schemas.HealthIndicatorDto.properties)).toEqual(expect.arrayContaining(Object.keys(ready.body.details.database)));
      expect(schemas.HealthIndicatorDto.properties.responseTime.type).toBe('integer');
    });

    it('publishes patterns that compile without Unicode property classes', () => {
      const patterns = [...nodes(document)]
        .filter(([, node]) => typeof node.pattern === 'string')
        .map(([, node]) => node.pattern as string);
      expect(patterns.length).toBeGreaterThan(0);
      for (const pattern of patterns) {
        expect(pattern).not.toMatch(/\\[pP]\{/);
        expect(() => new RegExp(pattern)).not.toThrow();
      }
    });

    it('makes the body of DELETE /org/delete optional', () => {
      expect(document.paths['/org/delete'].delete.requestBody.required).toBe(false);
    });
  });

  describe('what a person sees in Swagger UI', () => {
    const schemaOf = (ref: string): Json => document.components.schemas[ref.slice(ref.lastIndexOf('/') + 1)];
    /** The body Swagger UI's "Try it out" fills in: the first named example, else the schema's, else each property's example. */
    const exampleBody = (method: string, path: string): Json => {
      const media = document.paths[path][method].requestBody.content['application/json'];
      const named = media.examples ? (Object.values(media.examples)[0] as Json).value : undefined;
      if (named) return named;
      const schema = schemaOf(media.schema.$ref);
      if (schema.example !== undefined) return schema.example;
      return Object.fromEntries(Object.entries(schema.properties as Json).map(([name, property]) => [name, (property as Json).example]));
    };
    /** The query string Swagger UI's "Try it out" sends: each parameter's first example (named, its own, its schema's), if any. */
    const prefilledQuery = (method: string, path: string): string => {
      const query = new URLSearchParams();
      for (const parameter of (document.paths[path][method].parameters ?? []) as Json[]) {
        if (parameter.in !== 'query') continue;
        const first = parameter.examples ? (Object.values(parameter.examples)[0] as Json).value : undefined;
        const value = parameter.examples ? first : (parameter.example ?? parameter.schema?.example);
        if (value !== undefined && value !== '') query.set(parameter.name, typeof value === 'string' ? value : JSON.stringify(value));
      }
      return query.toString();
    };

    it('gives every request body property, named body example and parameter a realistic example', () => {
      const problems: string[] = [];
      const check = (where: string, value: unknown) => {
        if (value === undefined) problems.push(`${where}: no example`);
        else if (isGeneric(value)) problems.push(`${where}: generic example ${JSON.stringify(value)}`);
      };
      for (const { method, path, operation } of operationsOf(document)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Json)) {
          for (const [name, example] of Object.entries((media.examples ?? {}) as Json))
            check(`${where} ${type} example "${name}"`, example.value);
          const schema = media.schema.$ref ? schemaOf(media.schema.$ref) : media.schema;
          // A body without named properties (a record's data, an NDJSON stream) carries one example as a whole.
          if (!schema.properties) check(`${where} ${type}`, media.example ?? schema.example);
          for (const [name, property] of Object.entries((schema.properties ?? {}) as Json)) check(`${where} ${name}`, property.example);
        }
        for (const parameter of (operation.parameters ?? []) as Json[]) {
          const named = Object.values((parameter.examples ?? {}) as Json).filter((example) => example.value !== undefined);
          const values = [parameter.example, parameter.schema?.example, ...named.map((example) => example.value)].filter(
            (v) => v !== undefined,
          );
          if (values.length === 0) check(`${where} ${parameter.in} ${parameter.name}`, undefined);
          for (const value of values) check(`${where} ${parameter.in} ${parameter.name}`, value);
        }
      }
      expect(problems).toEqual([]);
    });

    it('fills PUT /org/update with a rename only, never with credentials of its own', () => {
      const body = exampleBody('put', '/org/update');
      expect(body).toEqual({ organization_name: 'Acme Industries' });
    });

    it('lets "Try it out" go in order: create, log in, add a record, list records, rename, log in again', async () => {
      const created = await t.api.request('POST', '/org/create', { body: exampleBody('post', '/org/create') });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ organization_name: 'Acme Corp', admin: { email: 'owner@acme.example' } });
      const login = await t.api.request('POST', '/admin/login', { body: exampleBody('post', '/admin/login') });
      expect(login.status).toBe(200);
      const token = login.body.access_token as string;
      const record = await t.api.request('POST', '/org/records', { token, body: exampleBody('post', '/org/records') });
      expect(record.status).toBe(201);
      // With the query parameters Swagger UI fills in from their examples: the record just created is listed.
      const records = await t.api.request('GET', `/org/records?${prefilledQuery('get', '/org/records')}`, { token });
      expect(records.status).toBe(200);
      expect(records.body.items).toEqual([expect.objectContaining({ id: record.body.id })]);
      for (const path of ['/org/members', '/org/audit', '/org/invitations', '/org/api-keys', '/org/webhooks']) {
        const page = await t.api.request('GET', `${path}?${prefilledQuery('get', path)}`, { token });
        expect([path, page.status]).toEqual([path, 200]);
      }
      const renamed = await t.api.request('PUT', '/org/update', { token, body: exampleBody('put', '/org/update') });
      expect(renamed.status).toBe(200);
      expect(renamed.body.organization.organization_name).toBe('Acme Industries');
      // The example changed no credentials: the example login still works.
      expect((await t.api.request('POST', '/admin/login', { body: exampleBody('post', '/admin/login') })).status).toBe(200);
    });
  });

  describe('the service', () => {
    it('answers GET / with its name, version and links, each of which answers', async () => {
      const root = await t.api.request('GET', '/');
      expect(root.status).toBe(200);
      expect(root.body).toEqual({
        name: 'organization-management-service',
        version: document.info.version,
        docs: '/docs',
        redoc: '/redoc',
        openapi: '/docs-json',
        health: '/health',
      });
      for (const link of [root.body.docs, root.body.redoc, root.body.openapi, root.body.health])
        expect([link, (await t.api.request('GET', link)).status]).toEqual([link, 200]);
      // What a browser asks for on its own: an empty answer, not a 404; like the document pages, not an API operation.
      expect((await t.api.request('GET', '/favicon.ico')).status).toBe(204);
      expect(Object.keys(document.paths).filter((path) => /^\/(favicon\.ico|docs|redoc)\b/.test(path))).toEqual([]);
    });

    it('serves ReDoc at /redoc with its bundle from the redoc package', async () => {
      const page = await fetch(`${t.service.baseUrl}/redoc`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<redoc spec-url="docs-json">');
      const src = /<script src="([^"]+)"/.exec(html)?.[1];
      expect(src).toBe('redoc/redoc.standalone.js');
      const bundle = await fetch(`${t.service.baseUrl}/${src}`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await bundle.text()).length).toBeGreaterThan(100_000);
    });
  });

  describe('a TypeScript client generated with openapi-typescript', () => {
    const work = join(ROOT, '.local', `openapi-client-${randomBytes(4).toString('hex')}`);

    beforeAll(async () => {
      await mkdir(join(work, 'generated'), { recursive: true });
      await writeFile(join(work, 'openapi.json'), JSON.stringify(document));
      await copyFile(join(ROOT, 'test', 'openapi', 'client', 'journey.ts'), join(work, 'journey.ts'));
      await writeFile(
        join(work, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2023',
            lib: ['es2023'],
            types: ['node'],
            strict: true,
            outDir: 'out',
            rootDir: '.',
          },
          files: ['journey.ts'],
        }),
      );
      await run(
        process.execPath,
        [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'openapi.json', '-o', 'generated/schema.d.ts'],
        { cwd: work },
      );
    }, 60_000);

    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('type-checks a client journey against the generated types', async () => {
      const compiled = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
        cwd: work,
      }).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
      expect(compiled).toBe('');
    }, 120_000);

    it('runs the journey: create, login, records, rename, stats, invite and accept, members, a second organization, account token and switch, delete', async () => {
      const { stdout } = await run(process.execPath, [join(work, 'out', 'journey.js'), t.service.baseUrl], { cwd: work });
      const summary = JSON.parse(stdout);
      expect(summary).toEqual({
        service: { name: 'organization-management-service', openapi: '/docs-json' },
        created: { status: 'active', adminEmail: expect.stringMatching(/^owner-/) },
        tokenType: 'bearer',
        login: { orgId: true, role: 'owner', organizations: [true] },
        denied: { status: 401, challenge: 'Bearer', requestId: expect.any(String) },
        record: { fetched: { sku: 'A-1', qty: 3 }, replaced: { sku: 'A-1', qty: 5 }, listed: 1 },
        renamed: { previous: expect.stringMatching(/^org_client_/), current: expect.stringMatching(/^org_client_renamed_/), migrated: 1 },
        stats: { collection: summary.renamed.current, documents: 1 },
        members: ['member', 'owner'],
        memberSees: summary.renamed.current,
        deleted: { name: expect.stringMatching(/^Client renamed /), documents: 0 },
        gone: 404,
        account: {
          sameOwner: true,
          login: { orgId: null, role: null, organizations: 2 },
          refused: { status: 403, message: 'Choose an organization (POST /admin/switch)' },
          me: true,
          switched: { orgId: true, role: 'owner' },
          remaining: [{ same: true, name: expect.stringMatching(/^Client second /), role: 'owner' }],
          member: { orgId: null, organizations: [] },
        },
      });
    }, 60_000);
  });
});
