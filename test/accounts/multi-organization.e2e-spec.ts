import { Types } from 'mongoose';
import { expectError } from '../support/expect-error.js';
import { invite, uniqueEmail, uniquePassword } from '../support/members.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** One account in three organizations with three roles: logging in, account tokens, switching, leaving. */
describe('one account in many organizations (e2e)', () => {
  const t = useTestApp();
  const CHOOSE = 'Choose an organization (POST /admin/switch)';
  const NOT_A_MEMBER = 'Not a member of this organization';

  interface Consultant {
    email: string;
    password: string;
    id: string;
    /** Organizations by the consultant's role there. */
    owned: OrgWithToken;
    asAdmin: OrgWithToken;
    asViewer: OrgWithToken;
  }

  const login = (body: Record<string, unknown>) => t.http().post('/admin/login').send(body);

  /** Invites the email into `org` with `role` and accepts with the account's password. */
  async function join(org: OrgWithToken, email: string, password: string, role: 'admin' | 'viewer' | 'member'): Promise<void> {
    const invitation = await invite(t, org.token, role, email);
    await t.http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token, password }).expect(201);
  }

  async function consultant(): Promise<Consultant> {
    const email = uniqueEmail('consultant');
    const password = uniquePassword();
    const owned = await createOrgWithToken(t, { ...uniqueOrg('Owned'), email, password });
    const asAdmin = await createOrgWithToken(t);
    const asViewer = await createOrgWithToken(t);
    await join(asAdmin, email, password, 'admin');
    await join(asViewer, email, password, 'viewer');
    return { email, password, id: owned.org.admin.id as string, owned, asAdmin, asViewer };
  }

  it('logs in with an account token when none is named, listing every membership with its role', async () => {
    const c = await consultant();
    const res = await login({ email: c.email, password: c.password }).expect(200);
    expect(res.body).toMatchObject({ admin_id: c.id, org_id: null, role: null, token_type: 'bearer' });
    expect(res.body.organizations).toHaveLength(3);
    expect(new Map(res.body.organizations.map((org: { id: string; role: string }) => [org.id, org.role]))).toEqual(
      new Map([
        [c.owned.org.id, 'owner'],
        [c.asAdmin.org.id, 'admin'],
        [c.asViewer.org.id, 'viewer'],
      ]),
    );
    const token = res.body.access_token as string;
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.sub).toBe(c.id);
    expect(payload).not.toHaveProperty('org_id');
  });

  it('logs into the organization named by id or by any spelling of its name, with the role there', async () => {
    const c = await consultant();
    const byId = await login({ email: c.email, password: c.password, organization_id: c.asAdmin.org.id }).expect(200);
    expect(byId.body).toMatchObject({ org_id: c.asAdmin.org.id, role: 'admin' });
    const byName = await login({
      email: c.email,
      password: c.password,
      organization_name: `  ${(c.asViewer.org.organization_name as string).toUpperCase()} `,
    }).expect(200);
    expect(byName.body).toMatchObject({ org_id: c.asViewer.org.id, role: 'viewer' });
    // The viewer token reads the viewer organization's records, and may not write them.
    await t.withToken(byName.body.access_token).get('/org/records').expect(200);
    expectError(await t.withToken(byName.body.access_token).post('/org/records').send({ n: 1 }), 403, 'Requires role member');
  });

  it('answers 403 with one message for an organization the account is not in, or that does not exist', async () => {
    const c = await consultant();
    const stranger = await createOrgWithToken(t);
    for (const choice of [
      { organization_id: stranger.org.id },
      { organization_id: new Types.ObjectId().toHexString() },
      { organization_name: stranger.org.organization_name },
      { organization_name: 'No Such Organization Anywhere' },
    ]) {
      expectError(await login({ email: c.email, password: c.password, ...choice }), 403, NOT_A_MEMBER);
    }
    // A wrong password is 401 whatever is named.
    expectError(await login({ email: c.email, password: 'wrong-Passphrase-000', organization_id: c.owned.org.id }), 401);
  });

  it('gives a single-organization account the seeds’ answer: a token of its organization', async () => {
    const single = await createOrgWithToken(t);
    const res = await login({ email: single.input.email, password: single.input.password }).expect(200);
    expect(res.body).toMatchObject({ org_id: single.org.id, role: 'owner' });
    expect(res.body.organizations).toEqual([
      { id: single.org.id, organization_name: single.org.organization_name, role: 'owner', suspended: false },
    ]);
  });

  it('lets an account token use only the account routes: organization routes answer 403 "Choose an organization"', async () => {
    const c = await consultant();
    const token = (await login({ email: c.email, password: c.password }).expect(200)).body.access_token as string;
    const api = t.withToken(token);
    for (const [method, path] of [
      ['get', '/org/records'],
      ['get', '/org/members'],
      ['get', '/org/members/me'],
      ['get', '/org/collection/stats'],
      ['get', '/org/invitations'],
      ['get', '/org/audit'],
    ] as const) {
      expectError(await api[method](path), 403, CHOOSE);
    }
    expectError(await api.put('/org/update').send({ organization_name: 'Anything' }), 403, CHOOSE);
    expectError(await api.delete('/org/delete').query({ organization_name: c.owned.org.organization_name }), 403, CHOOSE);
    expect((await api.get('/me').expect(200)).body).toMatchObject({ id: c.id, email: c.email });
    expect((await api.get('/me/organizations').expect(200)).body.items).toHaveLength(3);
    const switched = await api.post('/admin/switch').send({ organization_id: c.asAdmin.org.id }).expect(200);
    expect(switched.body).toMatchObject({ org_id: c.asAdmin.org.id, role: 'admin', admin_id: c.id });
    expect((await t.withToken(switched.body.access_token).get('/org/members/me').expect(200)).body).toMatchObject({
      id: c.id,
      role: 'admin',
    });
    expectError(await api.post('/admin/switch').send({ organization_id: new Types.ObjectId().toHexString() }), 403, NOT_A_MEMBER);
    expectError(await api.post('/admin/switch').send({ organization_id: 'not-an-id' }), 400);
  });

  it('never lets a token of organization A read B, even for an account in both', async () => {
    const c = await consultant();
    const inB = (await t.withToken(c.asAdmin.token).post('/org/records').send({ secret: 'of B' }).expect(201)).body.id as string;
    const tokenA = (await login({ email: c.email, password: c.password, organization_id: c.owned.org.id }).expect(200)).body.access_token;
    expectError(await t.withToken(tokenA).get(`/org/records/${inB}`), 404);
    const listed = (await t.withToken(tokenA).get('/org/records').expect(200)).body.items;
    expect(listed.map((record: { id: string }) => record.id)).not.toContain(inB);
    expectError(await t.withToken(tokenA).delete('/org/delete').query({ organization_name: c.asAdmin.org.organization_name }), 403);
  });

  it('removal from B leaves A working; the token of B gets 401', async () => {
    const c = await consultant();
    const tokenA = (await login({ email: c.email, password: c.password, organization_id: c.owned.org.id }).expect(200)).body.access_token;
    const tokenB = (await login({ email: c.email, password: c.password, organization_id: c.asViewer.org.id }).expect(200)).body
      .access_token;
    await t.withToken(c.asViewer.token).delete(`/org/members/${c.id}`).expect(204);
    expectError(await t.withToken(tokenB).get('/org/records'), 401);
    await t.withToken(tokenA).get('/org/records').expect(200);
    const again = await login({ email: c.email, password: c.password }).expect(200);
    expect(again.body.organizations.map((org: { id: string }) => org.id).sort()).toEqual([c.owned.org.id, c.asAdmin.org.id].sort());
  });

  it('a password change (through PATCH /me) ends every token of the account, in every organization', async () => {
    const c = await consultant();
    const tokens = await Promise.all(
      [c.owned, c.asAdmin, c.asViewer].map(
        async (org) =>
          (await login({ email: c.email, password: c.password, organization_id: org.org.id }).expect(200)).body.access_token as string,
      ),
    );
    const changed = await t.withToken(tokens[0]).patch('/me').send({ password: 'another-Strong-passphrase-7' }).expect(200);
    expect(changed.body).toMatchObject({ id: c.id, email: c.email, access_token: expect.any(String) });
    for (const token of tokens) expectError(await t.withToken(token).get('/me'), 401);
    await t.withToken(changed.body.access_token).get('/org/records').expect(200);
    expectError(await login({ email: c.email, password: c.password }), 401);
    await login({ email: c.email, password: 'another-Strong-passphrase-7' }).expect(200);
  });

  it('DELETE /me is 409 for the last owner of an organization and changes nothing; once another owner exists it deletes the account', async () => {
    const c = await consultant();
    const token = (await login({ email: c.email, password: c.password }).expect(200)).body.access_token as string;
    expectError(await t.withToken(token).delete('/me'), 409);
    expect((await t.withToken(token).get('/me/organizations').expect(200)).body.items).toHaveLength(3);

    const coOwner = uniqueEmail('co-owner');
    const coPassword = uniquePassword();
    const ownerInvite = await invite(t, c.owned.token, 'owner', coOwner);
    await t.http().post('/invitations/accept').send({ invitation_token: ownerInvite.invitation_token, password: coPassword }).expect(201);
    await t.withToken(token).delete('/me').expect(204);
    expectError(await t.withToken(token).get('/me'), 401);
    expectError(await login({ email: c.email, password: c.password }), 401);
    expect(await t.db.master.collection('memberships').countDocuments({ account_id: new Types.ObjectId(c.id) })).toBe(0);
    expect(await t.db.master.collection('accounts').countDocuments({ _id: new Types.ObjectId(c.id) })).toBe(0);
    // Its organizations stay, with their other members.
    await t.withToken(c.asAdmin.token).get('/org/records').expect(200);
  });

  it('creates an organization for the caller with only a name, from an account token or a token of another organization', async () => {
    const c = await consultant();
    const accountToken = (await login({ email: c.email, password: c.password }).expect(200)).body.access_token as string;
    const input = uniqueOrg('Side project');
    const created = await t.withToken(accountToken).post('/org/create').send({ organization_name: input.organization_name }).expect(201);
    expect(created.body.admin).toEqual({ id: c.id, email: c.email });
    const viewerToken = (await login({ email: c.email, password: c.password, organization_id: c.asViewer.org.id }).expect(200)).body
      .access_token;
    const fromOrgToken = await t
      .withToken(viewerToken)
      .post('/org/create')
      .send({ organization_name: uniqueOrg('Another').organization_name });
    expect(fromOrgToken.status).toBe(201);
    expect(fromOrgToken.body.admin.id).toBe(c.id);
    expectError(
      await t
        .withToken(accountToken)
        .post('/org/create')
        .send({ organization_name: uniqueOrg().organization_name, email: c.email, password: c.password }),
      400,
    );
    expectError(await t.withToken('not.a.token').post('/org/create').send({ organization_name: uniqueOrg().organization_name }), 401);
    expect((await t.withToken(accountToken).get('/me/organizations').expect(200)).body.items).toHaveLength(5);
  });
});

/** Public create and invitations for an email that already has an account. */
describe('existing accounts joining and creating (e2e)', () => {
  const t = useTestApp();

  it('public create with an existing email: its password makes it the owner of both; another password is 409 and creates nothing', async () => {
    const first = await createOrgWithToken(t);
    const second = uniqueOrg('Second');
    const created = await t
      .http()
      .post('/org/create')
      .send({ ...second, email: first.input.email, password: first.input.password })
      .expect(201);
    expect(created.body.admin).toEqual({ id: first.org.admin.id, email: first.input.email });
    const third = uniqueOrg('Third');
    expectError(
      await t
        .http()
        .post('/org/create')
        .send({ ...third, email: first.input.email, password: 'not-the-Right-passphrase-1' }),
      409,
      'An account with this email already exists',
    );
    expect(await t.db.master.collection('organizations').countDocuments({ name: third.organization_name })).toBe(0);
    expectError(await t.http().get('/org/get').query({ organization_name: third.organization_name }), 404);
    const res = await t.http().post('/admin/login').send({ email: first.input.email, password: first.input.password }).expect(200);
    expect(res.body.organizations.map((org: { role: string }) => org.role)).toEqual(['owner', 'owner']);
  });

  it('an existing account accepts by its password, or by its token; a wrong password is 401 and changes nothing', async () => {
    const home = await createOrgWithToken(t);
    const host = await createOrgWithToken(t);
    const invitation = await invite(t, host.token, 'member', home.input.email);
    const wrong = await t
      .http()
      .post('/invitations/accept')
      .send({ invitation_token: invitation.invitation_token, password: 'wrong-Passphrase-123' });
    expectError(wrong, 401);
    const withoutPassword = await t.http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token });
    expectError(withoutPassword, 401);
    expect(await t.db.master.collection('invitations').countDocuments({ _id: new Types.ObjectId(invitation.id) })).toBe(1);
    expect(await t.db.master.collection('memberships').countDocuments({ org_id: new Types.ObjectId(host.org.id) })).toBe(1);

    const accepted = await t
      .withToken(home.token)
      .post('/invitations/accept')
      .send({ invitation_token: invitation.invitation_token })
      .expect(201);
    expect(accepted.body.member).toMatchObject({ id: home.org.admin.id, email: home.input.email, role: 'member' });
    expect(accepted.body.organization.id).toBe(host.org.id);
    await t.withToken(accepted.body.access_token).get('/org/members/me').expect(200);
    // Its own organization is untouched, and the invitation is used up.
    await t.withToken(home.token).get('/org/records').expect(200);
    expect(await t.db.master.collection('invitations').countDocuments({ _id: new Types.ObjectId(invitation.id) })).toBe(0);
    expectError(await t.withToken(home.token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }), 404);

    const second = await invite(t, (await createOrgWithToken(t)).token, 'viewer', home.input.email);
    await t
      .http()
      .post('/invitations/accept')
      .send({ invitation_token: second.invitation_token, password: home.input.password })
      .expect(201);
  });

  it('refuses the token of another account for an invitation, and an invitation of a current member is 409', async () => {
    const host = await createOrgWithToken(t);
    const other = await createOrgWithToken(t);
    const invitation = await invite(t, host.token, 'member', uniqueEmail('someone'));
    expectError(await t.withToken(other.token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }), 404);
    expectError(await t.withToken(host.token).post('/org/invitations').send({ email: host.input.email, role: 'member' }), 409);
  });

  it('of concurrent accepts of one invitation by an existing account exactly one succeeds', async () => {
    const home = await createOrgWithToken(t);
    const host = await createOrgWithToken(t);
    const invitation = await invite(t, host.token, 'member', home.input.email);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.withToken(home.token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }),
      ),
    );
    expect(responses.filter((res) => res.status === 201)).toHaveLength(1);
    for (const res of responses.filter((candidate) => candidate.status !== 201)) expectError(res, 404);
    expect(await t.db.master.collection('memberships').countDocuments({ org_id: new Types.ObjectId(host.org.id) })).toBe(2);
  });

  it('an accept racing the removal of the member leaves one consistent outcome', async () => {
    const home = await createOrgWithToken(t);
    const host = await createOrgWithToken(t);
    const invitation = await invite(t, host.token, 'member', home.input.email);
    const [accept, removal] = await Promise.all([
      t.withToken(home.token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }),
      t.withToken(host.token).delete(`/org/members/${home.org.admin.id}`),
    ]);
    const membership = await t.db.master
      .collection('memberships')
      .findOne({ org_id: new Types.ObjectId(host.org.id), account_id: new Types.ObjectId(home.org.admin.id) });
    // Removed after the accept (204: no membership), or the removal came first (404) and the accept holds.
    if (removal.status === 204) {
      expect(membership).toBeNull();
      expect([201, 404]).toContain(accept.status);
    } else {
      expectError(removal, 404);
      expect(accept.status).toBe(201);
      expect(membership).toMatchObject({ role: 'member' });
    }
    expect(await t.db.master.collection('invitations').countDocuments({ _id: new Types.ObjectId(invitation.id) })).toBe(0);
  });

  it("PATCH /me to another account's email is 409 and changes nothing", async () => {
    const mine = await createOrgWithToken(t);
    const theirs = await createOrgWithToken(t);
    expectError(await t.withToken(mine.token).patch('/me').send({ email: theirs.input.email.toUpperCase() }), 409);
    const account = await t.db.master.collection('accounts').findOne({ _id: new Types.ObjectId(mine.org.admin.id) });
    expect(account?.email).toBe(mine.input.email);
  });
});
