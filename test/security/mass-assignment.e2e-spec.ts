import { Types } from 'mongoose';
import { expectError } from '../support/expect-error.js';
import { useOrgWithToken, useTestApp } from '../support/session.js';
import { storedData } from '../support/stored-data.js';
import { TEST_OPERATOR_KEY, uniqueOrg } from '../support/test-app.js';

const FOREIGN_ID = new Types.ObjectId().toHexString();
/** Fields a client must never set: identities, ownership, lifecycle state, credentials, roles. */
const PRIVILEGED_FIELDS: Record<string, unknown> = {
  _id: FOREIGN_ID,
  org_id: FOREIGN_ID,
  admin_id: FOREIGN_ID,
  status: 'deleting',
  password_hash: '$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
  credential_version: 99,
  role: 'superadmin',
  slug: 'hijacked',
  collection_name: 'org_hijacked',
  lifecycle_epoch: 0,
  created_at: '1970-01-01T00:00:00.000Z',
  $set: { status: 'active' },
};

describe('mass assignment (e2e)', () => {
  const t = useTestApp();
  const admin = useOrgWithToken(t);

  const fieldCases = Object.entries(PRIVILEGED_FIELDS);

  it.each(fieldCases)('refuses %s in POST /org/create and stores nothing', async (field, value) => {
    const before = await storedData(t.db);
    expectError(
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), [field]: value }),
      400,
    );
    expect(await storedData(t.db)).toEqual(before);
  });

  it.each(fieldCases)('refuses %s in PUT /org/update and stores nothing', async (field, value) => {
    const before = await storedData(t.db);
    const response = await t
      .withToken(admin.token)
      .put('/org/update')
      .send({ organization_name: 'Renamed By Attacker', [field]: value });
    expectError(response, 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it.each(fieldCases)('refuses %s in POST /admin/login and DELETE /org/delete', async (field, value) => {
    const before = await storedData(t.db);
    expectError(
      await t
        .http()
        .post('/admin/login')
        .send({ email: admin.input.email, password: admin.input.password, [field]: value }),
      400,
    );
    const deletion = await t
      .withToken(admin.token)
      .delete('/org/delete')
      .send({ organization_name: admin.input.organization_name, [field]: value });
    expectError(deletion, 400);
    expect(await storedData(t.db)).toEqual(before);
  });

  it('keeps every field of a record body inside its data: none reaches the stored document itself', async () => {
    const { $set: _operator, ...plain } = PRIVILEGED_FIELDS;
    const created = await t.withToken(admin.token).post('/org/records').send(plain).expect(201);
    const replaced = await t.withToken(admin.token).put(`/org/records/${created.body.id}`).send(plain).expect(200);
    expect(created.body.id).not.toBe(FOREIGN_ID);
    expect(replaced.body.data).toEqual(plain);

    const collection = (await t.withToken(admin.token).get('/org/collection/stats').expect(200)).body.collection_name;
    const stored = await t.db.tenant.collection(collection).findOne({ _id: new Types.ObjectId(created.body.id) });
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'created_at', 'data', 'org_id', 'updated_at']);
    // The owner is the token's organization, whatever `org_id` the body carried.
    expect(stored!.org_id.toHexString()).toBe(admin.org.id);
    expect(stored!.data).toEqual(plain);
    expect(stored!.created_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await t.db.tenant.collection(collection).countDocuments({ _id: new Types.ObjectId(FOREIGN_ID) })).toBe(0);
  });

  it("never returns credentials or internal state: create, login, get, list and the operators' views answer without them", async () => {
    const fresh = uniqueOrg();
    const created = await t.http().post('/org/create').send(fresh).expect(201);
    const operator = t.withToken(TEST_OPERATOR_KEY);
    const responses = [
      created,
      await t.http().post('/admin/login').send({ email: fresh.email, password: fresh.password }).expect(200),
      await t.http().get('/org/get').query({ organization_name: fresh.organization_name }).expect(200),
      await operator.get('/org/list').query({ limit: 100 }).expect(200),
      await operator.get('/platform/organizations').query({ limit: 100 }).expect(200),
      await operator.get(`/platform/organizations/${created.body.id as string}`).expect(200),
    ];
    for (const response of responses) {
      expect(JSON.stringify(response.body)).not.toMatch(/password|argon2|credential_version|lifecycle_epoch|"operation"/);
    }
  });
});
