import { PasswordHasher } from '../../src/accounts/password-hasher.service.js';
import { expectError } from '../support/expect-error.js';
import { useOrgWithToken, useTestApp } from '../support/session.js';
import { storedData } from '../support/stored-data.js';
import { uniqueOrg } from '../support/test-app.js';

const KIB = 1024;

describe('input limits (e2e)', () => {
  // GET /org/list public, so that its input is judged whichever credential a case sends (the platform suite covers who may list).
  const t = useTestApp({ ORG_LIST_PUBLIC: 'true' });
  const admin = useOrgWithToken(t);
  let recordId: string;

  beforeAll(async () => {
    const record = await t.withToken(admin.token).post('/org/records').send({ n: 1 }).expect(201);
    recordId = record.body.id;
  });

  type Method = 'get' | 'post' | 'put' | 'delete';
  const call = (method: Method, path: string, authenticated: boolean) =>
    (authenticated ? t.withToken(admin.token) : t.http())[method](path);

  it.each<[Method, string, boolean]>([
    ['post', '/org/create', false],
    ['post', '/admin/login', false],
    ['put', '/org/update', true],
    ['delete', '/org/delete', true],
    ['post', '/org/records', true],
    ['put', '/org/records/:id', true],
  ])('answers 413 to a body over 64 KiB on %s %s and stores nothing', async (method, path, authenticated) => {
    const before = await storedData(t.db);
    const response = await call(method, path.replace(':id', recordId), authenticated)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ organization_name: 'x'.repeat(65 * KIB) }));
    expectError(response, 413);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('stores a record just under 64 KiB and refuses one just over', async () => {
    const under = { blob: 'x'.repeat(64 * KIB - 64) };
    await call('post', '/org/records', true).send(under).expect(201);
    expectError(await call('post', '/org/records', true).send({ blob: 'x'.repeat(64 * KIB + 1) }), 413);
  });

  it.each([['/org/list'], ['/org/records']])('caps and checks limit on %s', async (path) => {
    await call('get', `${path}?limit=100`, true).expect(200);
    for (const limit of ['101', '0', '-1', '1.5', 'abc', '1e9', '']) {
      expectError(await call('get', `${path}?limit=${limit}`, true), 400);
    }
    expectError(await call('get', `${path}?limit=1&limit=2`, true), 400);
  });

  const tooLong = { name: 'n'.repeat(101), email: `${'e'.repeat(243)}@example.com`, password: 'p'.repeat(1025) };

  it.each<[string, Method, () => string, boolean, Record<string, unknown>]>([
    ['create: organization_name', 'post', () => '/org/create', false, { ...uniqueOrg(), organization_name: tooLong.name }],
    ['create: email', 'post', () => '/org/create', false, { ...uniqueOrg(), email: tooLong.email }],
    ['create: password', 'post', () => '/org/create', false, { ...uniqueOrg(), password: tooLong.password }],
    ['login: email', 'post', () => '/admin/login', false, { email: tooLong.email, password: 'whatever-it-is-1' }],
    ['login: password', 'post', () => '/admin/login', false, { email: 'a@example.com', password: tooLong.password }],
    ['update: organization_name', 'put', () => '/org/update', true, { organization_name: tooLong.name }],
    ['update: email', 'put', () => '/org/update', true, { email: tooLong.email }],
    ['update: password', 'put', () => '/org/update', true, { password: tooLong.password }],
    ['delete: organization_name in the body', 'delete', () => '/org/delete', true, { organization_name: tooLong.name }],
    ['get: organization_name', 'get', () => `/org/get?organization_name=${tooLong.name}`, false, {}],
    ['delete: organization_name in the query', 'delete', () => `/org/delete?organization_name=${tooLong.name}`, true, {}],
    ['list: cursor', 'get', () => `/org/list?cursor=${'a'.repeat(25)}`, false, {}],
    ['records: cursor', 'get', () => `/org/records?cursor=${'a'.repeat(25)}`, true, {}],
    ['records: id', 'get', () => `/org/records/${'a'.repeat(25)}`, true, {}],
  ])('refuses an overlong %s with 400 and stores nothing', async (_label, method, path, authenticated, body) => {
    const before = await storedData(t.db);
    const request = call(method, path(), authenticated);
    expectError(await (method === 'get' ? request : request.send(body)), 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('counts the name limit on the name as sent: 100 characters pass, 101 with padding do not', async () => {
    const name = `${uniqueOrg().organization_name} `.padEnd(100, 'z');
    await t
      .http()
      .post('/org/create')
      .send({ ...uniqueOrg(), organization_name: name })
      .expect(201);
    expectError(
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), organization_name: ` ${uniqueOrg('Padded').organization_name} `.padEnd(101, ' ') }),
      400,
    );
  });

  it('refuses a password over 1024 characters before any hashing', async () => {
    const hasher = t.app.get(PasswordHasher);
    const calls: string[] = [];
    const original = { hash: hasher.hash.bind(hasher), verify: hasher.verify.bind(hasher), verifyDummy: hasher.verifyDummy.bind(hasher) };
    hasher.hash = (password) => (calls.push('hash'), original.hash.call(hasher, password));
    hasher.verify = (hash, password) => (calls.push('verify'), original.verify.call(hasher, hash, password));
    hasher.verifyDummy = (password) => (calls.push('verifyDummy'), original.verifyDummy.call(hasher, password));
    try {
      expectError(
        await t
          .http()
          .post('/org/create')
          .send({ ...uniqueOrg(), password: tooLong.password }),
        400,
      );
      expectError(await t.http().post('/admin/login').send({ email: 'a@example.com', password: tooLong.password }), 400);
      expectError(await call('put', '/org/update', true).send({ password: tooLong.password }), 400);
      expect(calls).toEqual([]);
      // The same wrapper does see hashing when a password is acceptable.
      await t
        .http()
        .post('/admin/login')
        .send({ email: 'a@example.com', password: 'p'.repeat(1024) })
        .expect(401);
      expect(calls).toEqual(['verifyDummy', 'verify']);
    } finally {
      Object.assign(hasher, original);
    }
  });

  it.each<[string, Method, () => string, boolean, unknown]>([
    ['create: unknown field', 'post', () => '/org/create', false, { ...uniqueOrg(), plan: 'enterprise' }],
    ['create: name as a number', 'post', () => '/org/create', false, { ...uniqueOrg(), organization_name: 42 }],
    ['create: email as an array', 'post', () => '/org/create', false, { ...uniqueOrg(), email: ['a@example.com'] }],
    ['create: password as null', 'post', () => '/org/create', false, { ...uniqueOrg(), password: null }],
    ['create: a JSON array body', 'post', () => '/org/create', false, [uniqueOrg()]],
    ['login: unknown field', 'post', () => '/admin/login', false, { email: 'a@example.com', password: 'x-password-123', otp: '1' }],
    ['login: password as a number', 'post', () => '/admin/login', false, { email: 'a@example.com', password: 123456789012 }],
    ['update: unknown field', 'put', () => '/org/update', true, { organization_name: 'New Name', owner: 'me' }],
    ['update: email as an object', 'put', () => '/org/update', true, { email: { address: 'a@example.com' } }],
    ['delete: name as a number', 'delete', () => '/org/delete', true, { organization_name: 7 }],
    ['get: unknown query parameter', 'get', () => '/org/get?organization_name=acme&debug=1', false, undefined],
    ['list: unknown query parameter', 'get', () => '/org/list?sort=-_id', false, undefined],
  ])('refuses %s with 400 and stores nothing', async (_label, method, path, authenticated, body) => {
    const before = await storedData(t.db);
    const request = call(method, path(), authenticated);
    expectError(await (body === undefined ? request : request.send(body as object)), 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await t.http().post('/org/create').set('Content-Type', 'application/json').send('{"organization_name": "x",');
    expectError(response, 400);
  });
});
