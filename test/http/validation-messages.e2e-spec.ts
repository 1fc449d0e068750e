import { expectError } from '../support/expect-error.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';

/**
 * SPEC, "What a person sees": each field's actual problem once, "<field> is required" for a field
 * left out, in the same words on every route (a body DTO, a query DTO, GET /org/get's own reader).
 */
describe('one message per field problem (e2e)', () => {
  const t = useTestApp();
  let owner: OrgWithToken;

  beforeAll(async () => {
    owner = await createOrgWithToken(t);
  });

  it('names a wrong type once, on a body and on a query alike', async () => {
    expectError(await t.http().post('/org/create').send({ organization_name: 123 }), 400, 'organization_name must be a string');
    expectError(
      await t.withToken(owner.token).put('/org/update').send({ organization_name: 123 }),
      400,
      'organization_name must be a string',
    );
    expectError(await t.http().get('/org/get?organization_name=a&organization_name=b'), 400, 'organization_name must be a string');
    expectError(await t.withToken(owner.token).get('/org/members?limit=many'), 400, 'limit must be an integer number');
  });

  it('says "is required" for a field left out, on a body and on a query alike', async () => {
    expectError(await t.http().post('/org/create').send({}), 400, 'organization_name is required');
    expectError(await t.http().get('/org/get'), 400, 'organization_name is required');
    expectError(await t.http().post('/admin/login').send({}), 400, 'email is required; password is required');
    expectError(await t.withToken(owner.token).post('/org/invitations').send({ email: 'teammate@acme.example' }), 400, 'role is required');
  });

  it('names the actual problem of a value of the right type', async () => {
    expectError(
      await t
        .http()
        .post('/org/create')
        .send({ organization_name: 'x'.repeat(101) }),
      400,
      'organization_name must be shorter than or equal to 100 characters',
    );
    expectError(await t.http().post('/admin/login').send({ email: 'not-an-email', password: 'x' }), 400, 'email must be an email');
  });
});
