import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { expectError } from '../support/expect-error.js';
import { addMember, invite, uniqueEmail, uniquePassword } from '../support/members.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const EVENT_KEYS = ['action', 'actor', 'at', 'details', 'id', 'ip', 'request_id', 'target'];

interface Expected {
  action: string;
  request_id: string;
  actor: { type: 'account'; id: string; email: string } | null;
  target: { type: string; id: string; email?: string } | null;
  details?: Record<string, unknown>;
}

const requestIdOf = (res: Response) => {
  const id = res.headers['x-request-id'];
  expect(id).toEqual(expect.any(String));
  return id;
};

describe('audit log (e2e)', () => {
  const t = useTestApp();

  /** What happened to org A, oldest first, as the test did it. */
  const expected: Expected[] = [];
  /** Every secret the test used or saw: passwords, stored hashes, JWTs, invitation tokens. */
  const secrets = new Set<string>();
  let orgAId: string;
  let ownerToken: string;
  let ownerId: string;
  let ownerEmail: string;
  let bToken: string;
  let bOrgId: string;

  const http = () => t.http();
  const auditOf = (token: string, query: Record<string, string | number> = {}) => t.withToken(token).get('/org/audit').query(query);
  const collectHashes = async () => {
    for (const account of await t.db.master.collection('accounts').find().toArray()) secrets.add(account.password_hash as string);
  };

  beforeAll(async () => {
    // organization.created
    const input = uniqueOrg('Audited');
    ownerEmail = input.email;
    secrets.add(input.password);
    const created = await http().post('/org/create').send(input).expect(201);
    orgAId = created.body.id;
    ownerId = created.body.admin.id;
    // The same person as the actor (an account) and as the target (a member).
    const owner = { type: 'account' as const, id: ownerId, email: ownerEmail };
    const ownerMember = { type: 'member', id: ownerId, email: ownerEmail };
    expected.push({
      action: 'organization.created',
      request_id: requestIdOf(created),
      actor: owner,
      target: { type: 'organization', id: orgAId },
      details: { organization_name: input.organization_name },
    });

    // login.succeeded
    const login = await http().post('/admin/login').send({ email: ownerEmail, password: input.password }).expect(200);
    ownerToken = login.body.access_token;
    secrets.add(ownerToken);
    expected.push({ action: 'login.succeeded', request_id: requestIdOf(login), actor: owner, target: ownerMember });

    // login.failed, for an existing account
    const wrong = uniquePassword();
    secrets.add(wrong);
    const failed = await http().post('/admin/login').send({ email: ownerEmail, password: wrong });
    expectError(failed, 401);
    expected.push({ action: 'login.failed', request_id: requestIdOf(failed), actor: null, target: ownerMember });

    // organization.renamed
    const newName = uniqueOrg('Audited Renamed').organization_name;
    const renamed = await t.withToken(ownerToken).put('/org/update').send({ organization_name: newName }).expect(200);
    secrets.add(renamed.body.access_token);
    expected.push({
      action: 'organization.renamed',
      request_id: requestIdOf(renamed),
      actor: owner,
      target: { type: 'organization', id: orgAId },
      details: { from: input.organization_name, to: newName },
    });

    // member.credentials_changed
    await collectHashes();
    const newPassword = uniquePassword();
    secrets.add(newPassword);
    const changed = await t.withToken(ownerToken).put('/org/update').send({ password: newPassword }).expect(200);
    ownerToken = changed.body.access_token;
    secrets.add(ownerToken);
    await collectHashes();
    expected.push({
      action: 'member.credentials_changed',
      request_id: requestIdOf(changed),
      actor: owner,
      target: ownerMember,
      details: { password_changed: true, email_changed: false },
    });

    // invitation.created, invitation.revoked
    const revokedEmail = uniqueEmail('revoked');
    const invited = await t.withToken(ownerToken).post('/org/invitations').send({ email: revokedEmail, role: 'viewer' }).expect(201);
    secrets.add(invited.body.invitation_token);
    const invitationTarget = { type: 'invitation', id: invited.body.id, email: revokedEmail };
    expected.push({
      action: 'invitation.created',
      request_id: requestIdOf(invited),
      actor: owner,
      target: invitationTarget,
      details: { role: 'viewer' },
    });
    const revoked = await t.withToken(ownerToken).delete(`/org/invitations/${invited.body.id}`).expect(204);
    expected.push({ action: 'invitation.revoked', request_id: requestIdOf(revoked), actor: owner, target: invitationTarget });

    // invitation.created, invitation.accepted
    const email = uniqueEmail('joiner');
    const invitation = await t.withToken(ownerToken).post('/org/invitations').send({ email, role: 'member' }).expect(201);
    secrets.add(invitation.body.invitation_token);
    expected.push({
      action: 'invitation.created',
      request_id: requestIdOf(invitation),
      actor: owner,
      target: { type: 'invitation', id: invitation.body.id, email },
      details: { role: 'member' },
    });
    const password = uniquePassword();
    secrets.add(password);
    const accepted = await http()
      .post('/invitations/accept')
      .send({ invitation_token: invitation.body.invitation_token, password })
      .expect(201);
    secrets.add(accepted.body.access_token);
    await collectHashes();
    const joiner = { type: 'account' as const, id: accepted.body.member.id as string, email };
    const joinerMember = { type: 'member', id: joiner.id, email };
    expected.push({
      action: 'invitation.accepted',
      request_id: requestIdOf(accepted),
      actor: joiner,
      target: { type: 'invitation', id: invitation.body.id, email },
      details: { role: 'member' },
    });

    // login.succeeded of the new member
    const joinerLogin = await http().post('/admin/login').send({ email, password }).expect(200);
    secrets.add(joinerLogin.body.access_token);
    expected.push({
      action: 'login.succeeded',
      request_id: requestIdOf(joinerLogin),
      actor: joiner,
      target: joinerMember,
    });

    // member.role_changed, member.removed
    const promoted = await t.withToken(ownerToken).patch(`/org/members/${joiner.id}`).send({ role: 'admin' }).expect(200);
    expected.push({
      action: 'member.role_changed',
      request_id: requestIdOf(promoted),
      actor: owner,
      target: joinerMember,
      details: { from: 'member', to: 'admin' },
    });
    const removed = await t.withToken(ownerToken).delete(`/org/members/${joiner.id}`).expect(204);
    expected.push({ action: 'member.removed', request_id: requestIdOf(removed), actor: owner, target: joinerMember });

    // Org B, with activity of its own.
    const b = await createOrgWithToken(t);
    bToken = b.token;
    bOrgId = b.org.id;
    secrets.add(b.token);
    secrets.add(b.input.password);
    const bMember = await addMember(t, b.token, 'admin');
    secrets.add(bMember.token);
    secrets.add(bMember.password);
    secrets.add(bMember.invitation.invitation_token);
    await collectHashes();
  });

  const allPages = async (token: string, query: Record<string, string | number> = {}) => {
    const pages: Response[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await auditOf(token, { ...query, ...(cursor ? { cursor } : {}) }).expect(200);
      pages.push(res);
      cursor = res.body.next_cursor;
    } while (cursor);
    return pages;
  };

  it('records each action with its actor, target, ip and the request id of its answer, newest first', async () => {
    const res = await auditOf(ownerToken, { limit: 100 }).expect(200);
    expect(res.body.next_cursor).toBeNull();
    const items = res.body.items as Record<string, any>[];
    const newestFirst = [...expected].reverse();
    expect(items.map((item) => item.action)).toEqual(newestFirst.map((event) => event.action));
    items.forEach((item, i) => {
      const want = newestFirst[i];
      expect(item).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        action: want.action,
        request_id: want.request_id,
        actor: want.actor,
        target: want.target,
        ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/),
        ...(want.details ? { details: want.details } : {}),
      });
      expect(item.actor).toEqual(want.actor);
      expect(item.target).toEqual(want.target);
    });
    // Newest first by time and id as well.
    const times = items.map((item) => Date.parse(item.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    const ids = items.map((item) => item.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids).size).toBe(ids.length);
    // Every event has every field (one without details answers `details: {}`).
    expect(items.map((item) => ({ action: item.action, keys: Object.keys(item).sort() }))).toEqual(
      newestFirst.map((event) => ({ action: event.action, keys: EVENT_KEYS })),
    );
    for (const item of items) expect(item.details).toEqual(expect.any(Object));
  });

  it('filters by action', async () => {
    const res = await auditOf(ownerToken, { action: 'invitation.created' }).expect(200);
    expect(res.body.items.map((item: { request_id: string }) => item.request_id)).toEqual(
      expected
        .filter((event) => event.action === 'invitation.created')
        .map((event) => event.request_id)
        .reverse(),
    );
    const none = await auditOf(ownerToken, { action: 'organization.renamed' }).expect(200);
    expect(none.body.items).toHaveLength(1);
    expectError(await auditOf(ownerToken, { action: 'no.such.action' }), 400);
  });

  it('pages with a cursor, newest first, without gaps or repeats', async () => {
    const whole = await auditOf(ownerToken, { limit: 100 }).expect(200);
    const pages = await allPages(ownerToken, { limit: 3 });
    expect(pages.length).toBe(Math.ceil(expected.length / 3));
    for (const page of pages.slice(0, -1)) expect(page.body.items).toHaveLength(3);
    expect(pages.flatMap((page) => page.body.items)).toEqual(whole.body.items);
    // Filter and cursor together.
    const logins = await allPages(ownerToken, { limit: 1, action: 'login.succeeded' });
    expect(logins.flatMap((page) => page.body.items.map((item: { action: string }) => item.action))).toEqual([
      'login.succeeded',
      'login.succeeded',
    ]);
  });

  it('never shows one organization’s events to another', async () => {
    const aItems = (await allPages(ownerToken)).flatMap((page) => page.body.items);
    const bPages = await allPages(bToken);
    const bItems = bPages.flatMap((page) => page.body.items);
    expect(bItems.length).toBeGreaterThan(0);
    const bText = JSON.stringify(bPages.map((page) => page.body));
    for (const item of aItems) expect(bText).not.toContain(item.id);
    for (const event of expected) expect(bText).not.toContain(event.request_id);
    expect(bText).not.toContain(orgAId);
    expect(bText).not.toContain(ownerEmail);
    // And B's events are in B's log, not A's.
    const stored = await t.db.master
      .collection('audit_events')
      .find({ org_id: new Types.ObjectId(bOrgId) })
      .toArray();
    expect(bItems.map((item: { id: string }) => item.id).sort()).toEqual(stored.map((doc) => doc._id.toHexString()).sort());
    const aText = JSON.stringify(aItems);
    for (const doc of stored) expect(aText).not.toContain(doc._id.toHexString());
  });

  it('holds no password, hash, JWT or invitation token, neither stored nor answered', async () => {
    const all = [...secrets].filter((secret) => typeof secret === 'string' && secret.length >= 12);
    expect(all.filter((secret) => secret.startsWith('$argon2id$')).length).toBeGreaterThanOrEqual(4);
    expect(all.filter((secret) => secret.split('.').length === 3).length).toBeGreaterThanOrEqual(5);

    const documents = await t.db.master.collection('audit_events').find().toArray();
    expect(documents.length).toBeGreaterThanOrEqual(expected.length);
    const answers = [
      ...(await allPages(ownerToken)),
      ...(await allPages(ownerToken, { limit: 2 })),
      ...(await allPages(bToken)),
      ...(await Promise.all(
        ['login.failed', 'member.credentials_changed', 'invitation.created', 'invitation.accepted'].map((action) =>
          auditOf(ownerToken, { action }),
        ),
      )),
    ];
    const texts = [...documents.map((doc) => JSON.stringify(doc)), ...answers.map((res) => res.text)];
    for (const text of texts) {
      for (const secret of all) expect(text.includes(secret) ? `contains ${secret.slice(0, 16)}…` : 'clean').toBe('clean');
    }
  });

  it('records a failed login of an existing account, and none for an unknown email', async () => {
    const events = t.db.master.collection('audit_events');
    const failedBefore = await events.countDocuments({ action: 'login.failed' });
    const totalBefore = await events.countDocuments();

    const unknown = uniqueEmail('nobody');
    expectError(await http().post('/admin/login').send({ email: unknown, password: uniquePassword() }), 401);
    expect(await events.countDocuments()).toBe(totalBefore);
    expect(JSON.stringify(await events.find().toArray())).not.toContain(unknown);

    const failed = await http().post('/admin/login').send({ email: ownerEmail, password: uniquePassword() });
    expectError(failed, 401);
    expect(await events.countDocuments({ action: 'login.failed' })).toBe(failedBefore + 1);
    const latest = await auditOf(ownerToken, { action: 'login.failed', limit: 1 }).expect(200);
    expect(latest.body.items[0]).toMatchObject({
      action: 'login.failed',
      request_id: requestIdOf(failed),
      actor: null,
      target: { type: 'member', id: ownerId, email: ownerEmail },
    });
  });

  it('is for admins: a member of the organization gets 403', async () => {
    const viewer = await addMember(t, bToken, 'member');
    expectError(await auditOf(viewer.token), 403, 'Requires role admin');
    // The invite + accept above were recorded in B's log only.
    const bLog = await auditOf(bToken, { action: 'invitation.accepted' }).expect(200);
    expect(bLog.body.items.map((item: { actor: { email: string } }) => item.actor.email)).toContain(viewer.email);
    const aLog = await auditOf(ownerToken, { action: 'invitation.accepted' }).expect(200);
    expect(JSON.stringify(aLog.body)).not.toContain(viewer.email);
  });

  it('an invitation created by an admin names that admin as the actor', async () => {
    const admin = await addMember(t, ownerToken, 'admin');
    const invitation = await invite(t, admin.token, 'viewer');
    const res = await auditOf(ownerToken, { action: 'invitation.created', limit: 1 }).expect(200);
    expect(res.body.items[0]).toMatchObject({
      target: { type: 'invitation', id: invitation.id },
    });
    expect(res.body.items[0].actor).toEqual({ type: 'account', id: admin.id, email: admin.email });
  });

  it('an account in two organizations: its account-token login, a failure naming none, and its credential change are in both logs', async () => {
    const email = uniqueEmail('both');
    const password = uniquePassword();
    secrets.add(password);
    const c = await createOrgWithToken(t, { ...uniqueOrg('Audited C'), email, password });
    const d = await createOrgWithToken(t);
    const invitation = await invite(t, d.token, 'viewer', email);
    await http().post('/invitations/accept').send({ invitation_token: invitation.invitation_token, password }).expect(201);
    const accountId = c.org.admin.id as string;
    const actor = { type: 'account', id: accountId, email };
    const target = { type: 'member', id: accountId, email };
    const latest = async (token: string, action: string) =>
      (await auditOf(token, { action, limit: 1 }).expect(200)).body.items[0] as Record<string, any> | undefined;

    // No organization named and two memberships: an account token, recorded in each organization's log.
    const login = await http().post('/admin/login').send({ email, password }).expect(200);
    expect(login.body).toMatchObject({ org_id: null, role: null });
    secrets.add(login.body.access_token);
    for (const token of [c.token, d.token]) {
      expect(await latest(token, 'login.succeeded')).toMatchObject({ request_id: requestIdOf(login), actor, target });
    }

    // A wrong password naming none: a failure in each log; naming one: in that one's log only.
    const wrong = uniquePassword();
    secrets.add(wrong);
    const failed = await http().post('/admin/login').send({ email, password: wrong });
    expectError(failed, 401);
    for (const token of [c.token, d.token]) {
      expect(await latest(token, 'login.failed')).toMatchObject({ request_id: requestIdOf(failed), actor: null, target });
    }
    const failedInD = await http().post('/admin/login').send({ email, password: wrong, organization_id: d.org.id });
    expectError(failedInD, 401);
    expect(await latest(d.token, 'login.failed')).toMatchObject({ request_id: requestIdOf(failedInD), actor: null, target });
    expect((await latest(c.token, 'login.failed'))?.request_id).toBe(requestIdOf(failed));

    // A password change through one organization changes the account: recorded in both logs.
    const newPassword = uniquePassword();
    secrets.add(newPassword);
    const changed = await t.withToken(c.token).put('/org/update').send({ password: newPassword }).expect(200);
    secrets.add(changed.body.access_token);
    await collectHashes();
    const cToken = changed.body.access_token as string;
    for (const token of [cToken, d.token]) {
      const event = await latest(token, 'member.credentials_changed');
      expect(event).toMatchObject({ request_id: requestIdOf(changed), details: { password_changed: true, email_changed: false } });
      expect(event?.actor).toEqual(actor);
      expect(event?.target).toEqual(target);
    }
    // Nothing of it reached a third organization's log.
    const aText = JSON.stringify((await allPages(ownerToken)).map((page) => page.body));
    expect(aText).not.toContain(email);
    // And no secret is stored in any of these events.
    const stored = JSON.stringify(
      await t.db.master
        .collection('audit_events')
        .find({ org_id: { $in: [new Types.ObjectId(c.org.id as string), new Types.ObjectId(d.org.id as string)] } })
        .toArray(),
    );
    for (const secret of [password, wrong, newPassword, login.body.access_token, cToken, invitation.invitation_token]) {
      expect(stored.includes(secret) ? `contains ${secret.slice(0, 16)}…` : 'clean').toBe('clean');
    }
  });
});
