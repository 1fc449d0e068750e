import mongoose from 'mongoose';
import { expectError } from '../support/expect-error.js';
import { useOrgWithToken, useTestApp } from '../support/session.js';
import { storedData } from '../support/stored-data.js';
import { TEST_OPERATOR_KEY, uniqueOrg } from '../support/test-app.js';

const OPERATORS: Record<string, unknown>[] = [
  { $ne: null },
  { $gt: '' },
  { $regex: '.*' },
  { $where: 'sleep(1000) || true' },
  { $in: ['a@example.com'] },
];

type Method = 'post' | 'put' | 'delete';

describe('operator objects in input (e2e)', () => {
  const t = useTestApp();
  const admin = useOrgWithToken(t);
  let recordId: string;

  beforeAll(async () => {
    recordId = (await t.withToken(admin.token).post('/org/records').send({ n: 1 }).expect(201)).body.id;
  });

  const bodyFields: [string, Method, string, boolean, string, () => Record<string, unknown>][] = [
    ['create', 'post', '/org/create', false, 'organization_name', () => uniqueOrg()],
    ['create', 'post', '/org/create', false, 'email', () => uniqueOrg()],
    ['create', 'post', '/org/create', false, 'password', () => uniqueOrg()],
    ['login', 'post', '/admin/login', false, 'email', () => ({ email: admin.input.email, password: admin.input.password })],
    ['login', 'post', '/admin/login', false, 'password', () => ({ email: admin.input.email, password: admin.input.password })],
    ['update', 'put', '/org/update', true, 'organization_name', () => ({})],
    ['update', 'put', '/org/update', true, 'email', () => ({})],
    ['update', 'put', '/org/update', true, 'password', () => ({})],
    ['delete', 'delete', '/org/delete', true, 'organization_name', () => ({})],
  ];
  const bodyCases = bodyFields.flatMap(([label, method, path, authenticated, field, valid]) =>
    OPERATORS.map(
      (operator) => [`${label} ${field} = ${JSON.stringify(operator)}`, method, path, authenticated, field, operator, valid] as const,
    ),
  );

  it.each(bodyCases)('refuses %s with 400 and stores nothing', async (_label, method, path, authenticated, field, operator, valid) => {
    const before = await storedData(t.db);
    const body = { ...valid(), [field]: operator };
    const response = await (authenticated ? t.withToken(admin.token) : t.http())[method](path).send(body);
    expectError(response, 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('runs Mongoose with sanitizeFilter and strictQuery "throw", at a version with the 2025 $where fixes', () => {
    expect(mongoose.get('sanitizeFilter')).toBe(true);
    expect(mongoose.get('strictQuery')).toBe('throw');
    // CVE-2024-53900 and CVE-2025-23061 ($where inside populate match) are fixed from 8.9.5 on.
    const [major, minor, patch] = mongoose.version.split('.').map(Number);
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(8_009_005);
  });

  it('does not log anyone in with operators for both email and password', async () => {
    const response = await t
      .http()
      .post('/admin/login')
      .send({ email: { $ne: null }, password: { $ne: null } });
    expectError(response, 400);
    expect(response.body.access_token).toBeUndefined();
  });

  it.each([
    ['get', '/org/get?organization_name[$ne]=x', false],
    ['get', '/org/get?organization_name[$gt]=', false],
    ['get', '/org/get?organization_name[$regex]=.*', false],
    ['get', '/org/list?cursor[$gt]=000000000000000000000000', 'operator'],
    ['get', '/org/list?limit[$gt]=0', 'operator'],
    ['get', '/platform/organizations?name_prefix[$gt]=', 'operator'],
    ['get', '/platform/organizations?cursor[$gt]=000000000000000000000000', 'operator'],
    ['post', `/platform/organizations/${encodeURIComponent('{"$ne":null}')}/suspend`, 'operator'],
    ['delete', `/platform/organizations/${encodeURIComponent('{"$ne":null}')}`, 'operator'],
    ['get', '/org/records?cursor[$ne]=x', true],
    ['delete', '/org/delete?organization_name[$ne]=x', true],
    ['get', `/org/records/${encodeURIComponent('{"$ne":null}')}`, true],
    ['put', `/org/records/${encodeURIComponent('{"$gt":""}')}`, true],
    ['delete', `/org/records/${encodeURIComponent('{"$ne":null}')}`, true],
  ] as const)('refuses %s %s with 400 and stores nothing', async (method, path, authenticated) => {
    const before = await storedData(t.db);
    const response = await (
      authenticated === 'operator' ? t.withToken(TEST_OPERATOR_KEY) : authenticated ? t.withToken(admin.token) : t.http()
    )
      [method](path)
      .send(method === 'put' ? { a: 1 } : undefined);
    expectError(response, 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('reads operator text in a query string as a plain name, never as a filter', async () => {
    const response = await t.http().get('/org/get').query({ organization_name: '{"$ne": null}' });
    expectError(response, 404);
  });

  it.each([
    ['a top-level operator', { $set: { status: 'deleting' } }],
    ['an operator in a value', { a: { $gt: '' } }],
    ['an operator inside an array', { a: [{ $where: 'sleep(1000)' }] }],
    ['a dotted key', { 'data.owner': 'x' }],
  ])('refuses a record with %s (create and replace) and stores nothing', async (_label, data) => {
    const before = await storedData(t.db);
    expectError(await t.withToken(admin.token).post('/org/records').send(data), 400);
    expectError(await t.withToken(admin.token).put(`/org/records/${recordId}`).send(data), 400);
    expect(await storedData(t.db)).toEqual(before);
  });
});
