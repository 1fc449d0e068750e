import { createOrgWithToken, createTestApp, TestApp, uniqueOrg } from './support/test-app.js';

describe('organizations (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates an organization with its admin and collection', async () => {
    const input = uniqueOrg('Acme Café');
    const res = await t.http().post('/org/create').send(input).expect(201);
    expect(res.body).toMatchObject({
      organization_name: input.organization_name,
      status: 'active',
      admin: { email: input.email },
    });
    expect(res.body.collection_name).toBe(`org_${res.body.slug}`);
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('logs in and reads collection stats', async () => {
    const { token, org } = await createOrgWithToken(t);
    const res = await t.http().get('/org/collection/stats').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ collection_name: org.collection_name, documents: 0, size_bytes: expect.any(Number), indexes: expect.any(Number) });
  });
});
