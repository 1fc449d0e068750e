import { Types } from 'mongoose';
import { AuditAction } from '../../src/audit/audit-action.js';
import { expectError } from '../support/expect-error.js';
import { bearer } from '../support/fetch-client.js';
import { addMember, invite, uniquePassword } from '../support/members.js';
import { moveTo } from '../support/placement.js';
import { createOrgWithToken, type Session, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';
import { useReceivers, WEBHOOK_TEST_ENV } from '../support/webhook-receiver.js';

const OPERATOR = bearer(TEST_OPERATOR_KEY);

/** Every event id of the organization's audit log, oldest first. */
async function auditIds(t: Session, token: string): Promise<{ id: string; action: string }[]> {
  const events: { id: string; action: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: { id: string; action: string }[]; next_cursor: string | null } } = await t
      .withToken(token)
      .get('/org/audit')
      .query({ limit: 100, ...(cursor ? { cursor } : {}) })
      .expect(200);
    events.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return events.reverse();
}

describe('webhooks: events (e2e)', () => {
  const t = useTestApp(WEBHOOK_TEST_ENV);
  const receiver = useReceivers();

  it("every action reaches the organization's and the platform's endpoints once each, in the audit log's order, signed", async () => {
    const platformHooks = await receiver();
    const platformEndpoint = await t.http().post('/platform/webhooks').set(OPERATOR).send({ url: platformHooks.url }).expect(201);
    const owner = await createOrgWithToken(t);
    const orgId: string = owner.org.id;
    let token = owner.token;
    const orgHooks = await receiver();
    const orgEndpoint = await t.withToken(token).post('/org/webhooks').send({ url: orgHooks.url }).expect(201);

    await t.http().post('/admin/login').send({ email: owner.input.email, password: 'wrong-Password-0' }).expect(401);
    const member = await addMember(t, token, 'member');
    await t.withToken(token).patch(`/org/members/${member.id}`).send({ role: 'viewer' }).expect(200);
    const pending = await invite(t, token, 'viewer');
    await t.withToken(token).delete(`/org/invitations/${pending.id}`).expect(204);
    const key = await t.withToken(token).post('/org/api-keys').send({ name: 'ci', role: 'member' }).expect(201);
    await t.withToken(token).delete(`/org/api-keys/${key.body.id}`).expect(204);
    await t.withToken(token).delete(`/org/members/${member.id}`).expect(204);
    const newName = `${owner.input.organization_name} II`;
    token = (await t.withToken(token).put('/org/update').send({ organization_name: newName }).expect(200)).body.access_token;
    const newPassword = uniquePassword();
    token = (await t.withToken(token).put('/org/update').send({ password: newPassword }).expect(200)).body.access_token;
    const index = await t
      .withToken(token)
      .post('/org/records/indexes')
      .send({ keys: { sku: 1 } })
      .expect(201);
    await t.withToken(token).delete(`/org/records/indexes/${index.body.name}`).expect(204);
    await t.withToken(token).get('/org/export').expect(200);
    const line = JSON.stringify({ type: 'record', id: new Types.ObjectId().toHexString(), data: { sku: 'A-1' } });
    await t.withToken(token).post('/org/import').set('content-type', 'application/x-ndjson').send(line).expect(200);
    await t.http().post(`/platform/organizations/${orgId}/suspend`).set(OPERATOR).expect(200);
    await t.http().post(`/platform/organizations/${orgId}/resume`).set(OPERATOR).expect(200);
    await t.http().put(`/platform/organizations/${orgId}/quota`).set(OPERATOR).send({ max_documents: 500 }).expect(200);
    await moveTo(t, orgId, { mode: 'shared' });
    const spare = await t
      .withToken(token)
      .post('/org/webhooks')
      .send({ url: `${orgHooks.url}/spare` })
      .expect(201);
    await t.withToken(token).delete(`/org/webhooks/${spare.body.id}`).expect(204);

    const secrets = [
      owner.input.password,
      newPassword,
      member.password,
      member.token,
      member.invitation.invitation_token,
      pending.invitation_token,
      key.body.key,
      owner.token,
      token,
      orgEndpoint.body.secret,
      platformEndpoint.body.secret,
      spare.body.secret,
    ];
    const logged = await auditIds(t, token);
    const fromEndpoint = logged.slice(logged.findIndex((event) => event.action === 'webhook.created'));
    // The organization's endpoint: everything from its own creation on (its deliveries go with the organization's delete).
    const atOrg = await orgHooks.untilAccepted(fromEndpoint.length);
    expect(atOrg.map((received) => received.id)).toEqual(fromEndpoint.map((event) => event.id));
    const deleted = await t.withToken(token).delete('/org/delete').send({ organization_name: newName }).expect(200);
    expect(deleted.body.message).toBe('Organization deleted');
    // The platform's: everything, then the deletion that no audit log keeps.
    const ofOrg = () => platformHooks.accepted().filter((received) => received.payload.data.organization_id === orgId);
    await platformHooks.untilAccepted(logged.length + 1);
    expect(ofOrg().map((received) => received.id)).toEqual([...logged.map((event) => event.id), expect.any(String)]);
    expect(ofOrg().at(-1)?.payload).toMatchObject({ type: 'organization.deleted', data: { target: { type: 'organization', id: orgId } } });

    // Every action SPEC lists (and every one the service records) was among them.
    expect(new Set(ofOrg().map((received) => received.payload.type))).toEqual(new Set(Object.values(AuditAction)));
    // Once each, verified with the receivers' own library, never a second 2xx for one id.
    orgHooks.verifyAll(orgEndpoint.body.secret);
    platformHooks.verifyAll(platformEndpoint.body.secret);
    expect(orgHooks.received).toHaveLength(fromEndpoint.length);
    for (const received of ofOrg()) {
      expect(received.payload).toMatchObject({ type: received.payload.data.action, timestamp: received.payload.data.at });
      expect(received.payload.data).toEqual(expect.objectContaining({ id: received.id, organization_id: orgId }));
      for (const secret of secrets) expect(received.body).not.toContain(secret);
    }
  });

  it('an endpoint receives only the types it asked for, and never another organization’s events', async () => {
    const a = await createOrgWithToken(t);
    const b = await createOrgWithToken(t);
    const hooks = await receiver();
    await t
      .withToken(a.token)
      .post('/org/webhooks')
      .send({ url: hooks.url, events: ['api_key.created'] })
      .expect(201);
    await t
      .withToken(b.token)
      .post('/org/webhooks')
      .send({ url: hooks.url, events: ['api_key.revoked'] })
      .expect(201);
    await t.withToken(b.token).post('/org/api-keys').send({ name: 'b', role: 'member' }).expect(201);
    await t.withToken(a.token).post('/org/api-keys').send({ name: 'a', role: 'member' }).expect(201);
    const [only] = await hooks.untilAccepted(1);
    expect(only.payload).toMatchObject({ type: 'api_key.created', data: { organization_id: a.org.id } });
    // B's key event went to no one: its endpoint asked for revocations only, A's is A's.
    const marker = await t.withToken(a.token).post('/org/api-keys').send({ name: 'marker', role: 'member' }).expect(201);
    const [, second] = await hooks.untilAccepted(2);
    expect(second.payload.data.target.id).toBe(marker.body.id);
    expect(hooks.received).toHaveLength(2);
  });

  describe('the routes', () => {
    it('shows the secret once; lists without it; pages', async () => {
      const { token } = await createOrgWithToken(t);
      const hooks = await receiver();
      const ids: string[] = [];
      for (let n = 0; n < 3; n += 1)
        ids.push(
          (
            await t
              .withToken(token)
              .post('/org/webhooks')
              .send({ url: `${hooks.url}/${n}` })
              .expect(201)
          ).body.id,
        );
      const first = await t.withToken(token).get('/org/webhooks').query({ limit: 2 }).expect(200);
      expect(first.body.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(0, 2));
      expect(first.body.items[0]).toEqual({
        id: ids[0],
        url: `${hooks.url}/0`,
        events: [],
        created_at: expect.any(String),
        disabled: false,
        disabled_at: null,
        failing_since: null,
      });
      const second = await t.withToken(token).get('/org/webhooks').query({ limit: 2, cursor: first.body.next_cursor }).expect(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next_cursor: null });
      const stored = await t.db.master.collection('webhook_endpoints').findOne({ _id: new Types.ObjectId(ids[0]) });
      expect(JSON.stringify(stored)).not.toContain('whsec_');
    });

    it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
      const { token } = await createOrgWithToken(t);
      expectError(await t.withToken(token).post('/org/webhooks').send({}), 400, 'url is required');
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'not a url' }), 400, /url/);
      expectError(
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: 'http://127.0.0.1:1/', events: ['no.such'] }),
        400,
        /events/,
      );
      expectError(
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: 'http://127.0.0.1:1/', events: ['member.removed', 'member.removed'] }),
        400,
        /repeat/,
      );
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'http://127.0.0.1:1/', secret: 'whsec_mine' }), 400, /secret/);
      expect((await t.withToken(token).get('/org/webhooks').expect(200)).body.items).toEqual([]);
    });

    it('at most 10 endpoints per organization', async () => {
      const { token } = await createOrgWithToken(t);
      for (let n = 0; n < 10; n += 1)
        await t
          .withToken(token)
          .post('/org/webhooks')
          .send({ url: `http://127.0.0.1:1/${n}` })
          .expect(201);
      expectError(await t.withToken(token).post('/org/webhooks').send({ url: 'http://127.0.0.1:1/x' }), 400, /At most 10/);
    });

    it("another organization's endpoint (and the platform's) is 404 everywhere; a non-admin is 403", async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const ofA = await t.withToken(a.token).post('/org/webhooks').send({ url: 'http://127.0.0.1:1/a' }).expect(201);
      const ofPlatform = await t.http().post('/platform/webhooks').set(OPERATOR).send({ url: 'http://127.0.0.1:1/p' }).expect(201);
      const eventId = new Types.ObjectId().toHexString();
      for (const id of [ofA.body.id, ofPlatform.body.id]) {
        expectError(await t.withToken(b.token).delete(`/org/webhooks/${id}`), 404, 'Webhook endpoint not found');
        expectError(await t.withToken(b.token).get(`/org/webhooks/${id}/deliveries`), 404);
        expectError(await t.withToken(b.token).post(`/org/webhooks/${id}/deliveries/${eventId}/retry`), 404);
      }
      expectError(await t.http().delete(`/platform/webhooks/${ofA.body.id}`).set(OPERATOR), 404);
      expectError(await t.http().get(`/platform/webhooks/${ofA.body.id}/deliveries`).set(OPERATOR), 404);
      expectError(await t.http().post(`/platform/webhooks/${ofA.body.id}/deliveries/${eventId}/retry`).set(OPERATOR), 404);
      expectError(await t.withToken(a.token).post(`/org/webhooks/${ofA.body.id}/deliveries/${eventId}/retry`), 404, 'Delivery not found');
      const member = await addMember(t, a.token, 'member');
      expectError(await t.withToken(member.token).get('/org/webhooks'), 403);
      expectError(await t.withToken(a.token).get('/platform/webhooks'), 401);
      await t.withToken(a.token).delete(`/org/webhooks/${ofA.body.id}`).expect(204);
      expectError(await t.withToken(a.token).delete(`/org/webhooks/${ofA.body.id}`), 404);
    });
  });
});
