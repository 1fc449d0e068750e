import { Types } from 'mongoose';
import { expectError } from '../support/expect-error.js';
import { addMember, invite, storedAccount, storedMembers, uniquePassword } from '../support/members.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { STRONG_PASSWORD, uniqueOrg } from '../support/test-app.js';

describe('member changes take effect on the next request (e2e)', () => {
  const t = useTestApp();
  let org: OrgWithToken;

  const claimOf = (email: string) => t.db.master.collection('unique_claims').findOne({ _id: `email:${email}` as never });
  const EMAIL_TAKEN = 'An account with this email already exists';
  const CHOOSE = 'Choose an organization (POST /admin/switch)';
  const membershipsOf = (accountId: string) =>
    t.db.master
      .collection('memberships')
      .find({ account_id: new Types.ObjectId(accountId) })
      .toArray();
  /** Invites the email (an existing account) and accepts with the account's password; expects 201 twice. */
  async function rejoin(inviterToken: string, role: 'viewer' | 'member' | 'admin', email: string, password: string) {
    const invitation = await invite(t, inviterToken, role, email);
    const res = await t.http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token, password }).expect(201);
    return { id: res.body.member.id as string, token: res.body.access_token as string };
  }

  beforeAll(async () => {
    org = await createOrgWithToken(t);
  });

  it('a removed member’s token is 401 at once; the account stays, and can be invited again', async () => {
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
    // The membership is gone; the account (and its hold on the email) stays.
    expect(await storedMembers(t, org.org.id)).not.toContainEqual(expect.objectContaining({ _id: new Types.ObjectId(removed.id) }));
    expect(await membershipsOf(removed.id)).toEqual([]);
    expect((await storedAccount(t, removed.email))?._id.toHexString()).toBe(removed.id);
    expect((await claimOf(removed.email))?.owner_id.toHexString()).toBe(removed.id);
    // Logging in still works: with no membership left, an account token that no organization route takes.
    const login = await t.http().post('/admin/login').send({ email: removed.email, password: removed.password }).expect(200);
    expect(login.body).toMatchObject({ admin_id: removed.id, org_id: null, role: null, organizations: [] });
    expectError(await t.withToken(login.body.access_token).get('/org/members/me'), 403, CHOOSE);
    expectError(await t.withToken(login.body.access_token).get('/org/records'), 403, CHOOSE);

    // Invited again, the same account joins (with its own password), with the new role.
    const back = await rejoin(org.token, 'viewer', removed.email, removed.password);
    expect(back.id).toBe(removed.id);
    const me = await t.withToken(back.token).get('/org/members/me').expect(200);
    expect(me.body).toMatchObject({ id: removed.id, email: removed.email, role: 'viewer' });
    expect(await t.db.master.collection('accounts').countDocuments({ email: removed.email })).toBe(1);
  });

  it('a removed member’s old token does not come back to life when the account joins again', async () => {
    const removed = await addMember(t, org.token, 'member');
    await t.withToken(org.token).delete(`/org/members/${removed.id}`).expect(204);
    expectError(await t.withToken(removed.token).get('/org/members/me'), 401);
    const back = await rejoin(org.token, 'viewer', removed.email, removed.password);
    await t.withToken(back.token).get('/org/members/me').expect(200);
    // The removed membership's token stopped working for good; only the new membership's tokens work.
    expectError(await t.withToken(removed.token).get('/org/members/me'), 401);
    expectError(await t.withToken(removed.token).get('/org/records'), 401);
  });

  it('a member who leaves keeps its account: it creates an organization with its email and its own password only', async () => {
    const leaver = await addMember(t, org.token, 'admin');
    await t.withToken(leaver.token).delete(`/org/members/${leaver.id}`).expect(204);
    expectError(await t.withToken(leaver.token).get('/org/members/me'), 401);
    expect(await storedMembers(t, org.org.id)).not.toContainEqual(expect.objectContaining({ email: leaver.email }));
    const account = await storedAccount(t, leaver.email);
    expect(account?._id.toHexString()).toBe(leaver.id);

    // Another password: the email is an existing account's, 409, and nothing is created.
    const organizationsBefore = await t.db.master.collection('organizations').countDocuments();
    expect(leaver.password).not.toBe(STRONG_PASSWORD);
    expectError(
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg('Left'), email: leaver.email }),
      409,
      EMAIL_TAKEN,
    );
    expect(await t.db.master.collection('organizations').countDocuments()).toBe(organizationsBefore);

    // Its own password: the account owns the new organization.
    const created = await t
      .http()
      .post('/org/create')
      .send({ ...uniqueOrg('Left'), email: leaver.email, password: leaver.password })
      .expect(201);
    expect(created.body.admin).toEqual({ id: leaver.id, email: leaver.email });
    expect(await storedAccount(t, leaver.email)).toEqual(account);
    const login = await t.http().post('/admin/login').send({ email: leaver.email, password: leaver.password }).expect(200);
    expect(login.body).toMatchObject({ admin_id: leaver.id, org_id: created.body.id, role: 'owner' });
    expect(login.body.organizations).toEqual([
      { id: created.body.id, organization_name: created.body.organization_name, role: 'owner', suspended: false },
    ]);
    // The token of the organization it left stays refused.
    expectError(await t.withToken(leaver.token).get('/org/members/me'), 401);
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

  it('deleting the organization ends every member’s token, removes its memberships, invitations and audit log, and keeps the accounts', async () => {
    const doomed = await createOrgWithToken(t);
    const admin = await addMember(t, doomed.token, 'admin');
    const viewer = await addMember(t, doomed.token, 'viewer');
    const pending = await invite(t, admin.token, 'member');
    const orgId = new Types.ObjectId(doomed.org.id as string);
    const members = [
      { id: doomed.org.admin.id as string, email: doomed.input.email, password: doomed.input.password, token: doomed.token },
      { id: admin.id, email: admin.email, password: admin.password, token: admin.token },
      { id: viewer.id, email: viewer.email, password: viewer.password, token: viewer.token },
    ];
    const accountsBefore = await Promise.all(members.map(({ email }) => storedAccount(t, email)));
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
    expect(await t.db.master.collection('memberships').countDocuments({ org_id: orgId })).toBe(0);
    // The accounts stay, unchanged, still holding their emails; with no membership left, a login gives an account token.
    for (const [i, { id, email, password }] of members.entries()) {
      expect(await storedAccount(t, email)).toEqual(accountsBefore[i]);
      expect((await claimOf(email))?.owner_id.toHexString()).toBe(id);
      expect(await membershipsOf(id)).toEqual([]);
      const login = await t.http().post('/admin/login').send({ email, password }).expect(200);
      expect(login.body).toMatchObject({ admin_id: id, org_id: null, role: null, organizations: [] });
    }
    expectError(
      await t.http().post('/invitations/accept').send({ invitation_token: pending.invitation_token, password: uniquePassword() }),
      404,
    );
    expect(await storedAccount(t, pending.email)).toBeNull();

    // Each account creates again with its own password (another password is 409), and owns what it creates.
    for (const { id, email, password, token } of members) {
      const reborn = uniqueOrg('Reborn');
      expectError(
        await t
          .http()
          .post('/org/create')
          .send({ ...reborn, email, password: uniquePassword() }),
        409,
        EMAIL_TAKEN,
      );
      const created = await t
        .http()
        .post('/org/create')
        .send({ ...reborn, email, password })
        .expect(201);
      expect(created.body.admin).toEqual({ id, email });
      // The deleted organization's token does not work in the new one.
      expectError(await t.withToken(token).get('/org/members/me'), 401);
    }
  });
});
