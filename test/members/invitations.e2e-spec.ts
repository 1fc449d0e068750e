import { Types } from 'mongoose';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { expectError } from '../support/expect-error.js';
import { waitFor } from '../support/lifecycle-state.js';
import { addMember, invite, storedAccount, storedMembers, uniqueEmail, uniquePassword } from '../support/members.js';
import { createOrgWithToken, type OrgWithToken, type Session, useTestApp } from '../support/session.js';
import { STRONG_PASSWORD, uniqueOrg } from '../support/test-app.js';

const NOT_FOUND = 'Invitation not found, already used, revoked or expired';
/** An existing account's email accepted without its password or token (or with a wrong password). */
const ACCOUNT_PASSWORD = "This email has an account: send its password, or accept with the account's token";
const INVITATION_KEYS = ['created_at', 'email', 'expires_at', 'id', 'invited_by', 'role'];
const ORG_VIEW_KEYS = ['collection_name', 'created_at', 'id', 'organization_name', 'placement', 'slug', 'status', 'updated_at'];

const acceptVia =
  (t: Pick<Session, 'http'>) =>
  (invitation_token: string, password = uniquePassword()) =>
    t.http().post('/invitations/accept').send({ invitation_token, password });

describe('invitations (e2e)', () => {
  const t = useTestApp();
  const accept = acceptVia(t);
  let a: OrgWithToken;

  const invitationDocs = () => t.db.master.collection('invitations').find().toArray();
  /** The organization's membership of the account with this email (as storedMembers shows it), or null. */
  const membershipOf = async (orgId: string, email: string) =>
    (await storedMembers(t, orgId)).find((member) => member.email === email) ?? null;
  /** Every stored account with this email: one at most, whatever happened. */
  const accountsWith = (email: string) => t.db.master.collection('accounts').find({ email }).toArray();
  /** Every membership of the account with this email, in any organization. */
  const membershipsOfEmail = async (email: string) => {
    const account = await storedAccount(t, email);
    return account ? t.db.master.collection('memberships').find({ account_id: account._id }).toArray() : [];
  };
  const invitationDoc = (id: string) => t.db.master.collection('invitations').findOne({ _id: new Types.ObjectId(id) });

  beforeAll(async () => {
    a = await createOrgWithToken(t);
  });

  it('answers the token once, 43 characters of base64url (256 bits), and stores only its hash', async () => {
    const email = uniqueEmail();
    const res = await t.withToken(a.token).post('/org/invitations').send({ email, role: 'member' }).expect(201);
    expect(Object.keys(res.body).sort()).toEqual([...INVITATION_KEYS, 'invitation_token'].sort());
    expect(res.body).toMatchObject({ email, role: 'member', invited_by: a.org.admin.id });
    expect(res.body.invitation_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const docs = await invitationDocs();
    expect(docs.map((doc) => doc._id.toHexString())).toContain(res.body.id);
    for (const doc of docs) expect(JSON.stringify(doc)).not.toContain(res.body.invitation_token);
    // Nor in any other stored document.
    for (const name of ['accounts', 'memberships', 'audit_events', 'unique_claims', 'transition_tickets', 'organizations']) {
      const all = await t.db.master.collection(name).find().toArray();
      expect(JSON.stringify(all)).not.toContain(res.body.invitation_token);
    }
  });

  it('accept creates the member with the invited role and logs it in', async () => {
    const invitation = await invite(t, a.token, 'member');
    const password = uniquePassword();
    const res = await accept(invitation.invitation_token, password).expect(201);

    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'member', 'organization', 'token_type']);
    expect(res.body.member).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: invitation.email,
      role: 'member',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Object.keys(res.body.organization).sort()).toEqual(ORG_VIEW_KEYS);
    expect(res.body.organization.id).toBe(a.org.id);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_in).toBeGreaterThan(0);

    // A new email: the accept created its account (with the password, hashed) and its membership.
    const stored = await membershipOf(a.org.id, invitation.email);
    expect(stored).toMatchObject({ role: 'member', org_id: new Types.ObjectId(a.org.id) });
    expect(stored?._id.toHexString()).toBe(res.body.member.id);
    const account = await storedAccount(t, invitation.email);
    expect(account?._id.toHexString()).toBe(res.body.member.id);
    expect(account?.password_hash).toMatch(/^\$argon2id\$/);
    expect(await membershipsOfEmail(invitation.email)).toHaveLength(1);
    expect(await invitationDoc(invitation.id)).toBeNull();

    const me = await t.withToken(res.body.access_token).get('/org/members/me').expect(200);
    expect(me.body).toMatchObject({ id: res.body.member.id, email: invitation.email, role: 'member' });
    await t.withToken(res.body.access_token).post('/org/records').send({ from: 'new member' }).expect(201);
    const login = await t.http().post('/admin/login').send({ email: invitation.email, password }).expect(200);
    expect(login.body).toMatchObject({ admin_id: res.body.member.id, org_id: a.org.id, role: 'member' });
    expect(login.body.organizations).toEqual([
      { id: a.org.id, organization_name: a.org.organization_name, role: 'member', suspended: false },
    ]);
  });

  it('a used token is 404 and creates nothing more: the invitation itself is gone', async () => {
    const invitation = await invite(t, a.token, 'viewer');
    const password = uniquePassword();
    const first = await accept(invitation.invitation_token, password).expect(201);
    // Used up by the accept: the invitation document is deleted, not merely answered 404 for.
    expect(await invitationDoc(invitation.id)).toBeNull();
    expect(await t.db.master.collection('invitations').countDocuments({ email: invitation.email })).toBe(0);
    const before = await storedMembers(t, a.org.id);
    const accountBefore = await storedAccount(t, invitation.email);

    // Again with the account's own password, and with its own token: both would pass the account
    // check, so only the invitation's single use refuses them.
    expectError(await accept(invitation.invitation_token, password), 404, NOT_FOUND);
    expectError(
      await t.withToken(first.body.access_token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }),
      404,
      NOT_FOUND,
    );
    // And with another password: still the one answer of a used invitation.
    expectError(await accept(invitation.invitation_token), 404, NOT_FOUND);

    expect(await invitationDoc(invitation.id)).toBeNull();
    expect(await storedMembers(t, a.org.id)).toEqual(before);
    const memberships = await membershipsOfEmail(invitation.email);
    expect(memberships).toHaveLength(1);
    expect(memberships[0]).toMatchObject({ org_id: new Types.ObjectId(a.org.id), role: 'viewer' });
    expect(await storedAccount(t, invitation.email)).toEqual(accountBefore);
  });

  it('an unknown token is 404 with the same message', async () => {
    expectError(await accept('A'.repeat(43)), 404, NOT_FOUND);
  });

  it('a revoked invitation is 404 and creates no member', async () => {
    const invitation = await invite(t, a.token, 'member');
    await t.withToken(a.token).delete(`/org/invitations/${invitation.id}`).expect(204);
    expect(await invitationDoc(invitation.id)).toBeNull();
    expectError(await accept(invitation.invitation_token), 404, NOT_FOUND);
    expect(await storedAccount(t, invitation.email)).toBeNull();
    expect(await membershipOf(a.org.id, invitation.email)).toBeNull();
    // Revoking it again: 404.
    expectError(await t.withToken(a.token).delete(`/org/invitations/${invitation.id}`), 404);
  });

  it('inviting an email that already is a member of the organization is 409', async () => {
    const member = await addMember(t, a.token, 'viewer');
    for (const email of [member.email, a.input.email, a.input.email.toUpperCase()]) {
      const before = await invitationDocs();
      expectError(await t.withToken(a.token).post('/org/invitations').send({ email, role: 'viewer' }), 409);
      expect(await invitationDocs()).toEqual(before);
    }
  });

  it('a second pending invitation for the same email is 409, in any letter case', async () => {
    const first = await invite(t, a.token, 'viewer');
    for (const email of [first.email, first.email.toUpperCase()]) {
      const before = await invitationDocs();
      expectError(await t.withToken(a.token).post('/org/invitations').send({ email, role: 'admin' }), 409);
      expect(await invitationDocs()).toEqual(before);
    }
    // The first one still works.
    const res = await accept(first.invitation_token).expect(201);
    expect(res.body.member.role).toBe('viewer');
  });

  it('inviting an email that has an account in another organization is allowed (201)', async () => {
    const elsewhere = await createOrgWithToken(t);
    const before = await accountsWith(elsewhere.input.email);
    const invitation = await invite(t, a.token, 'viewer', elsewhere.input.email);
    expect(invitation).toMatchObject({ email: elsewhere.input.email, role: 'viewer' });
    // Inviting changes no account and makes no membership yet.
    expect(await accountsWith(elsewhere.input.email)).toEqual(before);
    expect(await membershipOf(a.org.id, elsewhere.input.email)).toBeNull();
  });

  it('accept for an email that got an account meanwhile needs that account: a wrong or missing password is 401 and creates nothing', async () => {
    const invitation = await invite(t, a.token, 'member');
    const other = await t
      .http()
      .post('/org/create')
      .send({ ...uniqueOrg('Meanwhile'), email: invitation.email })
      .expect(201);
    const accountBefore = await storedAccount(t, invitation.email);
    const refusals = [
      await accept(invitation.invitation_token),
      await t.http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token }),
    ];
    for (const res of refusals) expectError(res, 401, ACCOUNT_PASSWORD);
    // Another account's token cannot accept an invitation to this email.
    expectError(
      await t.withToken(a.token).post('/invitations/accept').send({ invitation_token: invitation.invitation_token }),
      404,
      NOT_FOUND,
    );
    // Nothing changed: one account (its password untouched), its one membership, the invitation still pending.
    expect(await accountsWith(invitation.email)).toHaveLength(1);
    expect(await storedAccount(t, invitation.email)).toEqual(accountBefore);
    const memberships = await membershipsOfEmail(invitation.email);
    expect(memberships.map((membership) => membership.org_id.toHexString())).toEqual([other.body.id]);
    expect(await storedMembers(t, a.org.id)).not.toContainEqual(expect.objectContaining({ email: invitation.email }));
    expect(await invitationDoc(invitation.id)).not.toBeNull();

    // With the account's own password the account joins: no second account, its password unchanged.
    const res = await accept(invitation.invitation_token, STRONG_PASSWORD).expect(201);
    expect(res.body.member).toMatchObject({ id: other.body.admin.id, email: invitation.email, role: 'member' });
    expect(res.body.organization.id).toBe(a.org.id);
    expect(await accountsWith(invitation.email)).toHaveLength(1);
    expect((await storedAccount(t, invitation.email))?.password_hash).toBe(accountBefore?.password_hash);
    expect(await membershipOf(a.org.id, invitation.email)).toMatchObject({ _id: accountBefore?._id, role: 'member' });
    expect((await membershipsOfEmail(invitation.email)).map((membership) => membership.org_id.toHexString()).sort()).toEqual(
      [other.body.id, a.org.id].sort(),
    );
    expect(await invitationDoc(invitation.id)).toBeNull();
    // The answer's token is for the organization joined; a login without one named is now an account token.
    const me = await t.withToken(res.body.access_token).get('/org/members/me').expect(200);
    expect(me.body).toMatchObject({ id: other.body.admin.id, role: 'member' });
    const login = await t.http().post('/admin/login').send({ email: invitation.email, password: STRONG_PASSWORD }).expect(200);
    expect(login.body).toMatchObject({ admin_id: other.body.admin.id, org_id: null, role: null });
    expect(login.body.organizations).toHaveLength(2);
  });

  it('an existing account accepts with its own token and no password', async () => {
    const elsewhere = await createOrgWithToken(t);
    const invitation = await invite(t, a.token, 'admin', elsewhere.input.email);
    const accountBefore = await storedAccount(t, elsewhere.input.email);
    const res = await t
      .withToken(elsewhere.token)
      .post('/invitations/accept')
      .send({ invitation_token: invitation.invitation_token })
      .expect(201);
    expect(res.body.member).toMatchObject({ id: elsewhere.org.admin.id, email: elsewhere.input.email, role: 'admin' });
    expect(res.body.organization.id).toBe(a.org.id);
    expect(await storedAccount(t, elsewhere.input.email)).toEqual(accountBefore);
    expect(await membershipOf(a.org.id, elsewhere.input.email)).toMatchObject({ role: 'admin' });
    expect(await invitationDoc(invitation.id)).toBeNull();
    // The token of the organization the account was in before keeps working there.
    const before = await t.withToken(elsewhere.token).get('/org/members/me').expect(200);
    expect(before.body).toMatchObject({ id: elsewhere.org.admin.id, role: 'owner' });
  });

  it('an admin cannot invite an owner (403 Requires role owner); an owner can', async () => {
    const admin = await addMember(t, a.token, 'admin');
    const email = uniqueEmail('owner');
    const before = await invitationDocs();
    expectError(await t.withToken(admin.token).post('/org/invitations').send({ email, role: 'owner' }), 403, 'Requires role owner');
    expect(await invitationDocs()).toEqual(before);
    // An admin may grant up to admin.
    await invite(t, admin.token, 'admin');

    const invitation = await invite(t, a.token, 'owner', email);
    const res = await accept(invitation.invitation_token).expect(201);
    expect(res.body.member.role).toBe('owner');
    expect((await membershipOf(a.org.id, email))?.role).toBe('owner');
  });

  it('of 10 concurrent accepts of one token exactly one succeeds (3 rounds)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const invitation = await invite(t, a.token, 'member');
      const passwords = Array.from({ length: 10 }, () => uniquePassword());
      const answers = await Promise.all(passwords.map((password) => accept(invitation.invitation_token, password)));
      const winners = answers.map((res, i) => ({ res, password: passwords[i] })).filter(({ res }) => res.status === 201);
      expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
      // A loser that read the invitation before the winner deleted it, but after the winner had
      // created the email's account, is refused as a wrong password of that account (401);
      // every other loser finds the invitation taken or used (404).
      for (const res of answers) {
        if (res.status === 401) expectError(res, 401, ACCOUNT_PASSWORD);
        else if (res.status !== 201) expectError(res, 404, NOT_FOUND);
      }

      // One account, one membership, whatever the losers sent.
      expect(await accountsWith(invitation.email)).toHaveLength(1);
      const stored = await membershipsOfEmail(invitation.email);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ org_id: new Types.ObjectId(a.org.id), role: 'member' });
      expect(await invitationDoc(invitation.id)).toBeNull();
      // The winner's password is the one stored.
      await t.http().post('/admin/login').send({ email: invitation.email, password: winners[0].password }).expect(200);
    }
  });

  it('accept racing a revoke: the state matches the answers, and never do both win (8 rounds)', async () => {
    for (let round = 0; round < 8; round += 1) {
      const invitation = await invite(t, a.token, 'viewer');
      const [accepted, revoked] = await Promise.all([
        accept(invitation.invitation_token),
        t.withToken(a.token).delete(`/org/invitations/${invitation.id}`),
      ]);
      const member = await membershipOf(a.org.id, invitation.email);
      const account = await storedAccount(t, invitation.email);
      const remaining = await invitationDoc(invitation.id);
      const outcome = {
        round,
        accept: accepted.status,
        revoke: revoked.status,
        member: member !== null,
        account: account !== null,
        invitation: remaining !== null,
      };
      // Either accepted (account and membership stored, invitation gone) or not (404, neither the new
      // email's account nor a membership); the invitation is gone either way.
      expect([
        { round, accept: 201, member: true, account: true, invitation: false },
        { round, accept: 404, member: false, account: false, invitation: false },
      ]).toContainEqual({
        round,
        accept: outcome.accept,
        member: outcome.member,
        account: outcome.account,
        invitation: outcome.invitation,
      });
      // 409: the accept held the invitation at that moment (it then won), so the revoke can be retried.
      expect([204, 404, 409]).toContain(revoked.status);
      if (revoked.status === 409) expect(revoked.headers['retry-after']).toMatch(/^\d+$/);
      // A revoke answered 204 means the token stopped working: the accept must not also have succeeded.
      expect({ round, bothWon: accepted.status === 201 && revoked.status === 204 }).toEqual({ round, bothWon: false });
      // Exactly one of them won.
      expect({ round, neitherWon: accepted.status !== 201 && revoked.status !== 204 }).toEqual({ round, neitherWon: false });
    }
  });

  /**
   * Holds the next accept right after it has read its invitation (at its organization lookup,
   * before it takes the accept ticket), so that another request can run in between.
   */
  function pauseNextAcceptAfterRead(): { reached: Promise<void>; release: () => void } {
    const organizations = t.app.get(OrganizationsService);
    const original = organizations.findVisibleById.bind(organizations);
    let reached!: () => void;
    let open!: () => void;
    const hit = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (open = resolve));
    let armed = true;
    organizations.findVisibleById = async (...args) => {
      if (armed) {
        armed = false;
        reached();
        await gate;
      }
      return original.apply(organizations, args);
    };
    return {
      reached: hit,
      release: () => {
        organizations.findVisibleById = original;
        open();
      },
    };
  }

  it('an accept that read the invitation before another accept finished does not succeed too', async () => {
    const invitation = await invite(t, a.token, 'member');
    const pause = pauseNextAcceptAfterRead();
    const stalePassword = uniquePassword();
    const firstPassword = uniquePassword();
    try {
      const stale = accept(invitation.invitation_token, stalePassword).then((res) => res);
      await pause.reached;
      const first = await accept(invitation.invitation_token, firstPassword);
      expect(first.status).toBe(201);
      pause.release();
      expectError(await stale, 404, NOT_FOUND);
    } finally {
      pause.release();
    }
    expect(await accountsWith(invitation.email)).toHaveLength(1);
    expect(await membershipsOfEmail(invitation.email)).toHaveLength(1);
    await t.http().post('/admin/login').send({ email: invitation.email, password: firstPassword }).expect(200);
  });

  it('an accept that read the invitation before it was revoked does not succeed', async () => {
    const invitation = await invite(t, a.token, 'member');
    const pause = pauseNextAcceptAfterRead();
    try {
      const stale = accept(invitation.invitation_token).then((res) => res);
      await pause.reached;
      await t.withToken(a.token).delete(`/org/invitations/${invitation.id}`).expect(204);
      pause.release();
      expectError(await stale, 404, NOT_FOUND);
    } finally {
      pause.release();
    }
    expect(await storedAccount(t, invitation.email)).toBeNull();
    expect(await membershipOf(a.org.id, invitation.email)).toBeNull();
  });
});

describe('GET /org/invitations (e2e)', () => {
  const t = useTestApp();
  const accept = acceptVia(t);

  it('lists pending invitations only, without tokens or hashes, a page at a time', async () => {
    const org = await createOrgWithToken(t);
    const invitations = [];
    for (let i = 0; i < 5; i += 1) invitations.push(await invite(t, org.token, i % 2 === 0 ? 'viewer' : 'admin'));
    await accept(invitations[1].invitation_token).expect(201);
    await t.withToken(org.token).delete(`/org/invitations/${invitations[3].id}`).expect(204);
    const pending = [invitations[0], invitations[2], invitations[4]];

    const first = await t.withToken(org.token).get('/org/invitations').query({ limit: 2 }).expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await t.withToken(org.token).get('/org/invitations').query({ limit: 2, cursor: first.body.next_cursor }).expect(200);
    expect(second.body.next_cursor).toBeNull();

    const items = [...first.body.items, ...second.body.items];
    expect(items).toEqual(
      pending.map(({ invitation_token: _token, ...view }) => ({ ...view, created_at: expect.any(String), expires_at: expect.any(String) })),
    );
    for (const item of items) expect(Object.keys(item).sort()).toEqual(INVITATION_KEYS);
    const text = JSON.stringify([first.body, second.body]);
    for (const invitation of invitations) expect(text).not.toContain(invitation.invitation_token);
    expect(text).not.toContain('token');

    const all = await t.withToken(org.token).get('/org/invitations').expect(200);
    expect(all.body.items.map((item: { id: string }) => item.id)).toEqual(pending.map(({ id }) => id));
    expect(all.body.next_cursor).toBeNull();
  });
});

describe('invitation expiry (e2e, INVITATION_TTL=3s)', () => {
  const t = useTestApp({ INVITATION_TTL: '3s' });
  const accept = acceptVia(t);

  it('an expired invitation is 404, is no longer listed, and can be replaced by a new one', async () => {
    const org = await createOrgWithToken(t);
    const invitation = await invite(t, org.token, 'member');
    const ttl = Date.parse(invitation.expires_at) - Date.parse(invitation.created_at);
    expect(ttl).toBe(3000);
    await waitFor(
      async () => (Date.now() > Date.parse(invitation.expires_at) ? true : undefined),
      () => `the clock to pass ${invitation.expires_at}`,
    );

    expectError(await accept(invitation.invitation_token), 404, NOT_FOUND);
    expect(await storedAccount(t, invitation.email)).toBeNull();
    expect(await storedMembers(t, org.org.id)).not.toContainEqual(expect.objectContaining({ email: invitation.email }));
    const listed = await t.withToken(org.token).get('/org/invitations').expect(200);
    expect(listed.body.items).toEqual([]);

    const again = await invite(t, org.token, 'admin', invitation.email);
    expect(again.id).not.toBe(invitation.id);
    expectError(await accept(invitation.invitation_token), 404, NOT_FOUND);
    const res = await accept(again.invitation_token).expect(201);
    expect(res.body.member).toMatchObject({ email: invitation.email, role: 'admin' });
  });
});
