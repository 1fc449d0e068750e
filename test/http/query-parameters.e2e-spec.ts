import { expectError } from '../support/expect-error.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';

/**
 * Every route that reads the query string, with a parameter repeated (`?a=1&a=2`, which Fastify's
 * parser turns into an array) or bracketed (`?a[x]=1`, an object for parsers that expand them):
 * a clear 400 naming the parameter, never a 500, and nothing changed.
 */
describe('repeated and bracketed query parameters (e2e)', () => {
  const t = useTestApp();
  let owner: OrgWithToken;

  beforeAll(async () => {
    owner = await createOrgWithToken(t);
  });

  const tokenFor = (path: string) => (path.startsWith('/platform/') || path.startsWith('/org/list') ? TEST_OPERATOR_KEY : owner.token);

  const reads: [method: 'get' | 'delete', path: string, parameter: string, value: string][] = [
    ['get', '/org/get', 'organization_name', 'Acme'],
    ['delete', '/org/delete', 'organization_name', 'Acme'],
    ['get', '/org/list', 'limit', '5'],
    ['get', '/org/records', 'limit', '5'],
    ['get', '/org/records', 'cursor', '507f1f77bcf86cd799439011'],
    ['get', '/org/members', 'limit', '5'],
    ['get', '/org/invitations', 'cursor', '507f1f77bcf86cd799439011'],
    ['get', '/org/audit', 'action', 'login.succeeded'],
    ['get', '/org/api-keys', 'limit', '5'],
    ['get', '/me/organizations', 'limit', '5'],
    ['get', '/platform/organizations', 'name_prefix', 'Acme'],
  ];

  it.each(reads)('%s %s?%s repeated is 400 naming it', async (method, path, parameter, value) => {
    const res = await t.withToken(tokenFor(path))[method](`${path}?${parameter}=${value}&${parameter}=${value}`);
    expectError(res, 400, new RegExp(parameter));
  });

  it.each(reads)('%s %s?%s[$ne] bracketed is 400, never a 500', async (method, path, parameter, value) => {
    const res = await t.withToken(tokenFor(path))[method](`${path}?${parameter}[$ne]=${value}`);
    // Fastify's default query parser does not expand brackets: `a[$ne]` is a parameter of its own,
    // an unknown one (400), or a route reading it finds the real one missing (400).
    expectError(res, 400);
  });

  it('changed nothing: the organization is still there', async () => {
    await t.http().get('/org/get').query({ organization_name: owner.input.organization_name }).expect(200);
  });
});
