import { createHmac, randomUUID } from 'node:crypto';
import { keyIdOf } from '../../src/config/app-config.js';
import { monitoredUri, QUIET_BACKGROUND, recordCommands } from '../support/database-commands.js';
import { addMember } from '../support/members.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { waitFor } from '../support/lifecycle-state.js';

/** A well-formed token of this service's shape, signed with a key the service does not have. */
function tokenOfUnknownKey(sub: string, orgId: string): string {
  const secret = 'a-key-this-service-has-never-been-given-0123456789';
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub, org_id: orgId, cv: 1, jti: randomUUID(), iat: now, exp: now + 600 };
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(secret) })}.${encode(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('database work per request (e2e)', () => {
  const t = useTestApp({ MONGODB_URI: monitoredUri(), ...QUIET_BACKGROUND });

  /** Sends the request twice: the second, with this instance's caches warm, is the one measured. */
  async function commandsOfRepeated(send: () => Promise<{ status: number }>, status: number) {
    expect((await send()).status).toBe(status);
    let answered = 0;
    const commands = await recordCommands(t.app, async () => {
      answered = (await send()).status;
    });
    expect(answered).toBe(status);
    return commands;
  }

  it('refusals read nothing and write nothing: another organization, a role below the least, a suspended organization, a used-up quota (403), a foreign key (401)', async () => {
    const mine = await createOrgWithToken(t);
    const theirs = await createOrgWithToken(t);
    const viewer = await addMember(t, mine.token, 'viewer');

    const crossOrganization = await commandsOfRepeated(
      () => t.withToken(mine.token).delete('/org/delete').query({ organization_name: theirs.input.organization_name }),
      403,
    );
    // The caller's own organization is remembered with its slug: another name needs no read.
    expect(crossOrganization).toEqual({ reads: [], writes: [] });

    const belowRole = await commandsOfRepeated(() => t.withToken(viewer.token).post('/org/records').send({ sku: 'X' }), 403);
    expect(belowRole).toEqual({ reads: [], writes: [] });

    const foreignKey = tokenOfUnknownKey(viewer.id, mine.org.id as string);
    const unknownKey = await commandsOfRepeated(() => t.withToken(foreignKey).get('/org/records'), 401);
    expect(unknownKey).toEqual({ reads: [], writes: [] });

    // A suspended organization's member: refused from what the instance remembers of the organization.
    const suspended = await createOrgWithToken(t);
    await t.db.master.collection('organizations').updateOne({ slug: suspended.org.slug as string }, { $set: { suspended_at: new Date() } });
    await waitFor(
      async () => ((await t.withToken(suspended.token).get('/org/records')).status === 403 ? true : undefined),
      () => 'the suspension to reach this instance',
    );
    const whileSuspended = await commandsOfRepeated(() => t.withToken(suspended.token).get('/org/records'), 403);
    expect(whileSuspended).toEqual({ reads: [], writes: [] });

    // An organization whose quota is used up: refused from its remembered quota and this instance's ledger.
    const full = await createOrgWithToken(t);
    await t.db.master.collection('organizations').updateOne({ slug: full.org.slug as string }, { $set: { quota: { max_documents: 0 } } });
    await waitFor(
      async () => ((await t.withToken(full.token).post('/org/records').send({ sku: 'X' })).status === 403 ? true : undefined),
      () => 'the quota to reach this instance',
    );
    const overQuota = await commandsOfRepeated(() => t.withToken(full.token).post('/org/records').send({ sku: 'X' }), 403);
    expect(overQuota).toEqual({ reads: [], writes: [] });

    // The refused requests really changed nothing: both organizations are still there.
    await t.withToken(theirs.token).get('/org/collection/stats').expect(200);
  });

  it('a PUT /org/update that changes nothing reads the organization once, writes nothing and takes no ticket', async () => {
    const { token, input, org } = await createOrgWithToken(t);
    const unchanged = await commandsOfRepeated(
      () => t.withToken(token).put('/org/update').send({ organization_name: input.organization_name, email: input.email }),
      200,
    );
    expect(unchanged.writes).toEqual([]);
    expect(unchanged.reads).toEqual(['find organizations']);
    const stored = await t.db.master.collection('organizations').findOne({ slug: org.slug as string });
    expect(stored).toMatchObject({ name: input.organization_name, status: 'active' });
    expect(stored!.updated_at).toEqual(new Date(org.updated_at as string));
  });

  it('a login writes its audit event (and the event webhooks receive) and, when it fails, one throttle document: nothing else', async () => {
    const { input } = await createOrgWithToken(t);
    const success = await commandsOfRepeated(
      () => t.http().post('/admin/login').send({ email: input.email, password: input.password }),
      200,
    );
    expect(success.writes).toEqual(['insert audit_events', 'insert outbox_events']);
    const failure = await commandsOfRepeated(
      () => t.http().post('/admin/login').send({ email: input.email, password: 'not-the-right-password-1' }),
      401,
    );
    expect(failure.writes.sort()).toEqual(['insert audit_events', 'insert login_failures', 'insert outbox_events']);
  });

  it('an authenticated record read is one read', async () => {
    const { token } = await createOrgWithToken(t);
    const created = await t.withToken(token).post('/org/records').send({ sku: 'A-1' }).expect(201);
    const read = await commandsOfRepeated(() => t.withToken(token).get(`/org/records/${created.body.id as string}`), 200);
    expect(read.writes).toEqual([]);
    expect(read.reads).toHaveLength(1);
  });
});

describe('the verified-token memory (e2e)', () => {
  const t = useTestApp({ JWT_EXPIRES_IN: '2' });

  it('answers a remembered token only with its own text and only until it expires', async () => {
    const { token } = await createOrgWithToken(t);
    await t.withToken(token).get('/org/records').expect(200);
    // One character of the signature changed: not the remembered text, so it is verified, and fails.
    const at = token.length - 5;
    const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    await t.withToken(tampered).get('/org/records').expect(401);
    await t.withToken(token).get('/org/records').expect(200);
    // Remembered, but expired now: refused like any expired token.
    await waitFor(
      async () => ((await t.withToken(token).get('/org/records')).status === 401 ? true : undefined),
      () => 'the remembered token was still accepted after its exp',
      10_000,
    );
  });
});
