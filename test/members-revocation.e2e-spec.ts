import { Types } from 'mongoose';
import { expectError } from './support/expect-error.js';
import { addMember, invite, storedMembers, uniquePassword } from './support/members.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from './support/session.js';
import { STRONG_PASSWORD, uniqueOrg } from './support/test-app.js';

describe('member changes take effect on the next request (e2e)', () => {
  const t = useTestApp();
  let org: OrgWithToken;

  const claimOf = (email: string) => t.db.master.collection('unique_claims').findOne({ _id: `email:${email}` as never });

  beforeAll(async () => {
    org = await createOrgWithToken(t);
  });

  it('a removed member’s token is 401 at once, and its email can be invited again', async () => {
    const removed = await addMember(t, org.token, 'member');
    await t.withToken(removed.token).get('/org/members/me').expect(200);
    await t.withToken(org.token).delete(`/org/members/${removed.id}`).expect(204);

    for (const res of [
      await t.withToken(removed.token).get('/org/members/me'),
      await t.withToken(removed.token).get('/org/records'),
      await t.withToken(removed.token).post('/org/records').send({ after: 'removal' }),
    ]) {
      expectError(res, 401);
    }
    expect(await t.db.master.collection('members').findOne({ _id: new Types.ObjectId(removed.id) })).toBeNull();
    expect(await claimOf(removed.email)).toBeNull();
    expectError(await t.http().post('/admin/login').send({ email: removed.email, password: removed.password }), 401);

    const back = await addMember(t, org.token, 'viewer', removed.email);
    expect(back.id).not.toBe(removed.id);
    const me = await t.withToken(back.token).get('/org/members/me').expect(200);
    expect(me.body).toMatchObject({ email: removed.email, role: 'viewer' });
    // The old token does not come back to life with the email.
    expectError(await t.withToken(removed.token).get('/org/members/me'), 401);
  });

  it('a member who leaves can create an organization with its email', async () => {
    const leaver = await addMember(t, org.token, 'admin');
    await t.withToken(leaver.token).delete(`/org/members/${leaver.id}`).expect(204);
    expectError(await t.withToken(leaver.token).get('/org/members/me'), 401);
    const created = await t
      .http()
      .post('/org/create')
      .send({ ...uniqueOrg('Left'), email: leaver.email })
      .expect(201);
    const login = await t.http().post('/admin/login').send({ email: leaver.email, password: STRONG_PASSWORD }).expect(200);
    expect(login.body).toMatchObject({ org_id: created.body.id, role: 'owner' });
  });

  it('a role change applies to tokens issued before it', async () => {
    const m = await addMember(t, org.token, 'member');
    await t.withToken(m.token).post('/org/records').send({ n: 1 }).expect(201);

    await t.withToken(org.token).patch(`/org/members/${m.id}`).send({ role: 'viewer' }).expect(200);
    const collection = org.org.collection_name as string;
    const count = await t.db.tenant.collection(collection).countDocuments();
    expectError(await t.withToken(m.token).post('/org/records').send({ n: 2 }), 403, 'Requires role member');
    expect(await t.db.tenant.collection(collection).countDocuments()).toBe(count);
    await t.withToken(m.token).get('/org/records').expect(200);
    expect((await t.withToken(m.token).get('/org/members/me').expect(200)).body.role).toBe('viewer');

    await t.withToken(org.token).patch(`/org/members/${m.id}`).send({ role: 'admin' }).expect(200);
    await t.withToken(m.token).post('/org/records').send({ n: 3 }).expect(201);
    await t.withToken(m.token).get('/org/invitations').expect(200);
    expect((await t.withToken(m.token).get('/org/members/me').expect(200)).body.role).toBe('admin');
  });

  it('deleting the organization ends every member’s token, frees their emails, and removes its invitations and audit log', async () => {
    const doomed = await createOrgWithToken(t);
    const admin = await addMember(t, doomed.token, 'admin');
    const viewer = await addMember(t, doomed.token, 'viewer');
    const pending = await invite(t, admin.token, 'member');
    const orgId = new Types.ObjectId(doomed.org.id as string);
    const members = [
      { email: doomed.input.email, token: doomed.token },
      { email: admin.email, token: admin.token },
      { email: viewer.email, token: viewer.token },
    ];
    // Something of another organization, which must stay.
    const otherAudit = await t.db.master.collection('audit_events').countDocuments({ org_id: new Types.ObjectId(org.org.id as string) });
    expect(otherAudit).toBeGreaterThan(0);
    expect(await t.db.master.collection('invitations').countDocuments({ org_id: orgId })).toBe(1);
    expect(await t.db.master.collection('audit_events').countDocuments({ org_id: orgId })).toBeGreaterThan(0);

    await t.withToken(doomed.token).delete('/org/delete').query({ organization_name: doomed.input.organization_name }).expect(200);

    for (const { token } of members) expectError(await t.withToken(token).get('/org/members/me'), 401);
    expect(await storedMembers(t, doomed.org.id)).toEqual([]);
    expect(await t.db.master.collection('invitations').countDocuments({ org_id: orgId })).toBe(0);
    expect(await t.db.master.collection('audit_events').countDocuments({ org_id: orgId })).toBe(0);
    expect(await t.db.master.collection('audit_events').countDocuments({ org_id: new Types.ObjectId(org.org.id as string) })).toBe(
      otherAudit,
    );
    for (const { email } of members) expect(await claimOf(email)).toBeNull();
    expectError(
      await t.http().post('/invitations/accept').send({ invitation_token: pending.invitation_token, password: uniquePassword() }),
      404,
    );
    expect(await t.db.master.collection('members').findOne({ email: pending.email })).toBeNull();

    for (const { email } of members) {
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg('Reborn'), email })
        .expect(201);
    }
  });
});
