import { createHash, randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { CROSS_INSTANCE_STALENESS_MS } from '../../src/common/cache/expiring-cache.js';
import { expectError } from '../support/expect-error.js';
import { untilStatus } from '../support/polling.js';
import { addMember, createTeam } from '../support/members.js';
import { createOrgWithToken, type Session, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY, uniqueOrg } from '../support/test-app.js';

const SECOND_OPERATOR_KEY = `second-operator-key-${randomBytes(16).toString('hex')}`;
/** The id an operator key is named by in audit events: the first 12 hex of its SHA-256. */
const keyId = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);
const UNKNOWN_ID = new Types.ObjectId().toHexString();

type Method = 'get' | 'post' | 'delete';
/** Every /platform route, on an organization id. */
const PLATFORM_ROUTES = (id: string): [Method, string][] => [
  ['get', '/platform/organizations'],
  ['get', `/platform/organizations/${id}`],
  ['post', `/platform/organizations/${id}/suspend`],
  ['post', `/platform/organizations/${id}/resume`],
  ['delete', `/platform/organizations/${id}`],
];

/** The keys of an organization as operators see it: the org view, the member count and the suspension. */
const PLATFORM_VIEW_KEYS = [
  'collection_name',
  'created_at',
  'id',
  'member_count',
  'organization_name',
  'placement',
  'slug',
  'status',
  'suspended',
  'suspended_at',
  'updated_at',
];

describe('platform routes without PLATFORM_API_KEYS (e2e)', () => {
  const t = useTestApp({ PLATFORM_API_KEYS: '' });

  it('answer 401 to everyone: no key, what would be a key elsewhere, and a member token', async () => {
    const { org, token } = await createOrgWithToken(t);
    for (const [method, path] of [...PLATFORM_ROUTES(org.id as string), ['get', '/org/list'] as [Method, string]]) {
      for (const credential of [null, TEST_OPERATOR_KEY, token]) {
        const response = await (credential === null ? t.http()[method](path) : t.withToken(credential)[method](path));
        expectError(response, 401, credential === null ? 'Missing bearer token' : 'Invalid operator key');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    // Nothing was suspended or deleted.
    await t.withToken(token).get('/org/records').expect(200);
  });
});

describe('platform operators (e2e)', () => {
  const t = useTestApp({ PLATFORM_API_KEYS: `${TEST_OPERATOR_KEY}, ${SECOND_OPERATOR_KEY}` });
  /** A second instance on the same databases, as behind a load balancer. */
  const second = useTestApp({ PLATFORM_API_KEYS: TEST_OPERATOR_KEY }, { onDatabasesOf: t });
  const operator = (on: Session = t) => on.withToken(TEST_OPERATOR_KEY);

  describe('access', () => {
    it('lets either configured key in, and refuses member tokens, wrong keys and keys in another form with 401', async () => {
      const { token } = await createOrgWithToken(t);
      await t.withToken(TEST_OPERATOR_KEY).get('/platform/organizations').expect(200);
      await t.withToken(SECOND_OPERATOR_KEY).get('/platform/organizations').expect(200);
      expectError(await t.http().get('/platform/organizations'), 401, 'Missing bearer token');
      expectError(await t.withToken(token).get('/platform/organizations'), 401, 'Invalid operator key');
      expectError(await t.withToken(`${TEST_OPERATOR_KEY}x`).get('/platform/organizations'), 401);
      expectError(await t.http().get('/platform/organizations').set('Authorization', TEST_OPERATOR_KEY), 401);
      expectError(await t.http().get('/platform/organizations').set('Authorization', `Basic ${TEST_OPERATOR_KEY}`), 401);
    });

    it('refuses an operator key with 401 on every route that is not the platform', async () => {
      const { input } = await createOrgWithToken(t);
      const asOperator = operator();
      for (const response of [
        await asOperator.get('/org/records'),
        await asOperator.post('/org/records').send({ sku: 'X' }),
        await asOperator.get('/org/members'),
        await asOperator.get('/org/collection/stats'),
        await asOperator.delete('/org/delete').query({ organization_name: input.organization_name }),
        await asOperator.get('/me'),
        await asOperator.post('/org/create').send({ organization_name: uniqueOrg().organization_name }),
      ]) {
        expectError(response, 401);
      }
      // Still there: the refused delete did nothing.
      await t.http().get('/org/get').query({ organization_name: input.organization_name }).expect(200);
    });

    it('takes an operator key on GET /org/list, and only that', async () => {
      const { org, token } = await createOrgWithToken(t);
      expectError(await t.http().get('/org/list'), 401, 'Missing bearer token');
      expectError(await t.withToken(token).get('/org/list'), 401);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; next_cursor: string | null } = (
          await operator()
            .get('/org/list')
            .query({ limit: 100, ...(cursor ? { cursor } : {}) })
            .expect(200)
        ).body;
        ids.push(...page.items.map((item) => item.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(ids).toContain(org.id);
    });

    it('documents the operator scheme, the operator routes and the listing behind it in OpenAPI', async () => {
      const document = (await t.http().get('/docs-json').expect(200)).body;
      expect(document.components.securitySchemes.operator).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'operator key' });
      const operations: Record<string, [string, string]> = {
        listPlatformOrganizations: ['/platform/organizations', 'get'],
        getPlatformOrganization: ['/platform/organizations/{id}', 'get'],
        suspendOrganization: ['/platform/organizations/{id}/suspend', 'post'],
        resumeOrganization: ['/platform/organizations/{id}/resume', 'post'],
        deletePlatformOrganization: ['/platform/organizations/{id}', 'delete'],
        listOrganizations: ['/org/list', 'get'],
      };
      for (const [operationId, [path, method]] of Object.entries(operations)) {
        const operation = document.paths[path][method];
        expect({ operationId, security: operation.security, has401: '401' in operation.responses }).toEqual({
          operationId: operation.operationId,
          security: [{ operator: [] }],
          has401: true,
        });
      }
      expect(document.paths['/org/list'].get.description).toMatch(/ORG_LIST_PUBLIC=true/);
      expect(document.paths['/platform/organizations/{id}'].delete.responses['409']).toBeDefined();
      expect(document.components.schemas.PlatformOrganizationViewDto.properties.member_count).toMatchObject({
        type: 'integer',
        example: 3,
      });
    });
  });

  describe('GET /platform/organizations', () => {
    it('pages organizations in creation order with member counts and suspension, and no internal state', async () => {
      const word = `Plist${randomBytes(3).toString('hex')}`;
      const created = [];
      for (let index = 0; index < 3; index += 1) created.push(await createOrgWithToken(t, uniqueOrg(word)));
      await addMember(t, created[1].token, 'viewer');

      const first = await operator().get('/platform/organizations').query({ name_prefix: word, limit: 2 }).expect(200);
      expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([created[0].org.id, created[1].org.id]);
      expect(first.body.next_cursor).toBe(created[1].org.id);
      const rest = await operator()
        .get('/platform/organizations')
        .query({ name_prefix: word, limit: 2, cursor: first.body.next_cursor })
        .expect(200);
      expect(rest.body).toEqual({ items: [expect.objectContaining({ id: created[2].org.id })], next_cursor: null });

      const item = first.body.items[1];
      expect(Object.keys(item).sort()).toEqual(PLATFORM_VIEW_KEYS);
      expect(item).toMatchObject({
        organization_name: created[1].input.organization_name,
        status: 'active',
        member_count: 2,
        suspended: false,
        suspended_at: null,
      });
      expect(first.body.items[0].member_count).toBe(1);
    });

    it('matches name_prefix against the start of the name, whatever its case and accents', async () => {
      const word = `Pfx${randomBytes(3).toString('hex')}`;
      const matching = await createOrgWithToken(t, { ...uniqueOrg(), organization_name: `${word} Crème Brûlée` });
      await createOrgWithToken(t, { ...uniqueOrg(), organization_name: `Not ${word}` });
      for (const prefix of [word, word.toUpperCase(), `${word.toLowerCase()} CREME`, `${word} crème-b`]) {
        const page = await operator().get('/platform/organizations').query({ name_prefix: prefix }).expect(200);
        expect({ prefix, ids: page.body.items.map((found: { id: string }) => found.id) }).toEqual({ prefix, ids: [matching.org.id] });
      }
      const none = await operator()
        .get('/platform/organizations')
        .query({ name_prefix: `${word} cremex` })
        .expect(200);
      expect(none.body).toEqual({ items: [], next_cursor: null });
    });

    it.each([
      ['no letter or digit', { name_prefix: '--' }, 'name_prefix must contain at least one letter or digit'],
      ['too long', { name_prefix: 'a'.repeat(101) }, undefined],
      ['empty', { name_prefix: '' }, undefined],
      ['twice', 'name_prefix=a&name_prefix=b', undefined],
      ['an operator object', 'name_prefix[$gt]=a', undefined],
      ['a bad cursor', { cursor: 'nope' }, undefined],
      ['limit 0', { limit: 0 }, undefined],
      ['an unknown parameter', { sort: 'name' }, undefined],
    ])('answers 400 for %s', async (_case, query, message) => {
      expectError(await operator().get('/platform/organizations').query(query), 400, message);
    });
  });

  describe('GET /platform/organizations/:id', () => {
    it('answers the organization with its member count, right after members join', async () => {
      const team = await createTeam(t);
      const found = await operator().get(`/platform/organizations/${team.org.org.id}`).expect(200);
      expect(Object.keys(found.body).sort()).toEqual([...PLATFORM_VIEW_KEYS, 'quota', 'usage'].sort());
      expect(found.body).toMatchObject({ quota: { max_documents: 1_000_000, max_bytes: 1024 ** 3 }, usage: { documents: 0, bytes: 0 } });
      expect(found.body).toMatchObject({ id: team.org.org.id, slug: team.org.org.slug, member_count: 4, suspended: false });
      await addMember(t, team.org.token, 'member');
      expect((await operator().get(`/platform/organizations/${team.org.org.id}`).expect(200)).body.member_count).toBe(5);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      for (const [method, path] of PLATFORM_ROUTES(UNKNOWN_ID).slice(1)) {
        expectError(await operator()[method](path), 404, 'Organization not found');
      }
      for (const [method, path] of PLATFORM_ROUTES('not-an-id').slice(1)) {
        expectError(await operator()[method](path), 400, 'id must be a 24-character hex organization id');
      }
    });
  });

  describe('suspension', () => {
    /** Suspends the organization and resumes it, checking its member's token right after each. */
    async function suspendAndResume(orgId: string, token: string): Promise<void> {
      await operator().post(`/platform/organizations/${orgId}/suspend`).expect(200);
      expectError(await t.withToken(token).get('/org/records'), 403, 'Organization suspended');
      await operator().post(`/platform/organizations/${orgId}/resume`).expect(200);
      await t.withToken(token).get('/org/records').expect(200);
    }

    it("refuses the organization's members with 403 until it is resumed, keeps its data, and lets them log in", async () => {
      const team = await createTeam(t);
      const orgId = team.org.org.id as string;
      const { owner, viewer } = team.byRole;
      const record = await t.withToken(owner.token).post('/org/records').send({ sku: 'A-1' }).expect(201);
      const other = await createOrgWithToken(t);
      const collection = t.db.tenant.collection(team.org.org.collection_name as string);
      const storedBefore = await collection.find().toArray();

      const suspended = await operator().post(`/platform/organizations/${orgId}/suspend`).expect(200);
      expect(suspended.body).toMatchObject({ id: orgId, status: 'active', suspended: true, member_count: 4 });
      expect(new Date(suspended.body.suspended_at).getTime()).toBeGreaterThan(Date.now() - 60_000);

      for (const token of [owner.token, viewer.token]) {
        for (const response of [
          await t.withToken(token).get('/org/records'),
          await t.withToken(token).get(`/org/records/${record.body.id}`),
          await t.withToken(token).post('/org/records').send({ sku: 'B-2' }),
          await t.withToken(token).get('/org/members'),
          await t.withToken(token).get('/org/members/me'),
          await t.withToken(token).get('/org/collection/stats'),
          await t.withToken(token).get('/org/audit'),
        ]) {
          expectError(response, 403, 'Organization suspended');
        }
      }
      expectError(
        await t.withToken(owner.token).delete('/org/delete').query({ organization_name: team.org.input.organization_name }),
        403,
        'Organization suspended',
      );
      // The person's own account is no organization route; another organization is untouched.
      await t.withToken(owner.token).get('/me').expect(200);
      await t.withToken(other.token).get('/org/records').expect(200);

      // Logging in still works and says so.
      const login = await t.http().post('/admin/login').send({ email: viewer.email, password: viewer.password }).expect(200);
      expect(login.body.organizations).toEqual([
        { id: orgId, organization_name: team.org.input.organization_name, role: 'viewer', suspended: true },
      ]);
      expectError(await t.withToken(login.body.access_token).get('/org/records'), 403, 'Organization suspended');

      // Suspending again changes nothing.
      const again = await operator().post(`/platform/organizations/${orgId}/suspend`).expect(200);
      expect(again.body.suspended_at).toBe(suspended.body.suspended_at);
      const listed = await operator().get('/platform/organizations').query({ name_prefix: team.org.input.organization_name }).expect(200);
      expect(listed.body.items).toEqual([expect.objectContaining({ id: orgId, suspended: true })]);

      // Its data is untouched.
      expect(await collection.find().toArray()).toEqual(storedBefore);
      expect(await t.db.master.collection('memberships').countDocuments({ org_id: new Types.ObjectId(orgId) })).toBe(4);

      const resumed = await operator().post(`/platform/organizations/${orgId}/resume`).expect(200);
      expect(resumed.body).toMatchObject({ id: orgId, suspended: false, suspended_at: null });
      await operator().post(`/platform/organizations/${orgId}/resume`).expect(200);
      const records = await t.withToken(viewer.token).get('/org/records').expect(200);
      expect(records.body.items.map((item: { id: string }) => item.id)).toEqual([record.body.id]);
      await t.withToken(owner.token).post('/org/records').send({ sku: 'B-2' }).expect(201);
      const relogin = await t.http().post('/admin/login').send({ email: viewer.email, password: viewer.password }).expect(200);
      expect(relogin.body.organizations[0].suspended).toBe(false);

      // Each change recorded once, with the operator's key id as the actor.
      const audit = await t.withToken(owner.token).get('/org/audit').query({ limit: 100 }).expect(200);
      const events = audit.body.items.filter((event: { action: string }) => event.action.startsWith('organization.'));
      expect(events.map((event: { action: string }) => event.action)).toEqual([
        'organization.resumed',
        'organization.suspended',
        'organization.created',
      ]);
      for (const event of events.slice(0, 2)) {
        expect(event).toMatchObject({
          actor: { type: 'operator', id: keyId(TEST_OPERATOR_KEY) },
          target: { type: 'organization', id: orgId },
        });
        expect(JSON.stringify(event)).not.toContain(TEST_OPERATOR_KEY);
      }
    });

    it('applies on another instance within the staleness bound, both ways', async () => {
      const { org, token } = await createOrgWithToken(t);
      const readOnSecond = () => second.withToken(token).get('/org/records');
      // Warm the second instance's caches, then change the state through the first.
      await readOnSecond().expect(200);
      await operator()
        .post(`/platform/organizations/${org.id as string}/suspend`)
        .expect(200);
      const suspendedAfter = await untilStatus(readOnSecond, 403, CROSS_INSTANCE_STALENESS_MS + 2000);
      expectError(await readOnSecond(), 403, 'Organization suspended');
      await operator()
        .post(`/platform/organizations/${org.id as string}/resume`)
        .expect(200);
      const resumedAfter = await untilStatus(readOnSecond, 200, CROSS_INSTANCE_STALENESS_MS + 2000);
      console.info(`another instance followed a suspension after ${suspendedAfter} ms and a resume after ${resumedAfter} ms`);
      for (const took of [suspendedAfter, resumedAfter]) expect(took).toBeLessThan(CROSS_INSTANCE_STALENESS_MS + 500);
    });

    it('suspends and resumes an organization stored before suspensions existed (no suspended_at at all)', async () => {
      const { org, token } = await createOrgWithToken(t);
      const filter = { _id: new Types.ObjectId(org.id as string) };
      await t.db.master.collection('organizations').updateOne(filter, { $unset: { suspended_at: 1 } });
      expect(
        (
          await operator()
            .get(`/platform/organizations/${org.id as string}`)
            .expect(200)
        ).body,
      ).toMatchObject({ suspended: false, suspended_at: null });
      await suspendAndResume(org.id as string, token);
      expect(await t.db.master.collection('organizations').findOne(filter)).toMatchObject({ suspended_at: null, lifecycle_epoch: 1 });
    });

    it('is answered at once on the instance that made it, though it had just served the organization', async () => {
      const { org, token } = await createOrgWithToken(t);
      await t.withToken(token).get('/org/records').expect(200);
      await suspendAndResume(org.id as string, token);
    });
  });

  describe('PUT /platform/organizations/:id/quota', () => {
    const quotaEvents = async (token: string) =>
      (await t.withToken(token).get('/org/audit').query({ action: 'organization.quota_changed', limit: 100 }).expect(200)).body.items;

    it("records each change in the organization's audit log, the operator as actor and the override as set", async () => {
      const owner = await createOrgWithToken(t);
      const orgId = owner.org.id as string;
      await operator().put(`/platform/organizations/${orgId}/quota`).send({ max_documents: 10, max_bytes: 4096 }).expect(200);

      const [event, ...others] = await quotaEvents(owner.token);
      expect(others).toEqual([]);
      expect(event).toMatchObject({
        action: 'organization.quota_changed',
        actor: { type: 'operator', id: keyId(TEST_OPERATOR_KEY) },
        target: { type: 'organization', id: orgId },
        request_id: expect.any(String),
        details: { max_documents: 10, max_bytes: 4096 },
      });
      expect(JSON.stringify(event)).not.toContain(TEST_OPERATOR_KEY);

      // A limit left out goes back to its default: null in the event. By the other key, named as such.
      await t.withToken(SECOND_OPERATOR_KEY).put(`/platform/organizations/${orgId}/quota`).send({ max_bytes: 2048 }).expect(200);
      await operator().put(`/platform/organizations/${orgId}/quota`).send({}).expect(200);
      const events = await quotaEvents(owner.token);
      expect(events.map(({ actor, details }: { actor: { id: string }; details: unknown }) => [actor.id, details])).toEqual([
        [keyId(TEST_OPERATOR_KEY), { max_documents: null, max_bytes: null }],
        [keyId(SECOND_OPERATOR_KEY), { max_documents: null, max_bytes: 2048 }],
        [keyId(TEST_OPERATOR_KEY), { max_documents: 10, max_bytes: 4096 }],
      ]);
    });

    it('records nothing for a refused change, nor in another organization', async () => {
      const owner = await createOrgWithToken(t);
      const other = await createOrgWithToken(t);
      expectError(await operator().put(`/platform/organizations/${owner.org.id}/quota`).send({ max_documents: 0 }), 400);
      expectError(await operator().put(`/platform/organizations/${owner.org.id}/quota`), 400);
      expect(await quotaEvents(owner.token)).toEqual([]);
      await operator().put(`/platform/organizations/${other.org.id}/quota`).send({ max_documents: 5 }).expect(200);
      expect(await quotaEvents(owner.token)).toEqual([]);
      expect(await quotaEvents(other.token)).toHaveLength(1);
    });
  });

  describe('DELETE /platform/organizations/:id', () => {
    it('deletes the organization like its owner would; its members then get 401', async () => {
      const team = await createTeam(t);
      const orgId = team.org.org.id as string;
      await t.withToken(team.byRole.member.token).post('/org/records').send({ sku: 'A-1' }).expect(201);
      await t.withToken(team.byRole.viewer.token).get('/org/records').expect(200);

      const deleted = await operator().delete(`/platform/organizations/${orgId}`).expect(200);
      expect(deleted.body).toEqual({
        message: 'Organization deleted',
        organization_name: team.org.input.organization_name,
        documents_deleted: 1,
      });

      for (const { token } of Object.values(team.byRole)) expectError(await t.withToken(token).get('/org/records'), 401);
      expect(await t.db.master.collection('organizations').countDocuments({ _id: new Types.ObjectId(orgId) })).toBe(0);
      expect(await t.db.master.collection('memberships').countDocuments({ org_id: new Types.ObjectId(orgId) })).toBe(0);
      expect(await t.db.tenantCollections()).not.toContain(team.org.org.collection_name);
      expectError(await operator().get(`/platform/organizations/${orgId}`), 404);
      expectError(await operator().delete(`/platform/organizations/${orgId}`), 404);
      // The accounts stay: a member logs in to an account token with no organizations.
      const login = await t
        .http()
        .post('/admin/login')
        .send({ email: team.byRole.admin.email, password: team.byRole.admin.password })
        .expect(200);
      expect(login.body).toMatchObject({ org_id: null, organizations: [] });
    });

    it('deletes a suspended organization', async () => {
      const { org } = await createOrgWithToken(t);
      await operator()
        .post(`/platform/organizations/${org.id as string}/suspend`)
        .expect(200);
      await operator()
        .delete(`/platform/organizations/${org.id as string}`)
        .expect(200);
    });

    it('answers 409 with Retry-After while another operation holds the organization', async () => {
      const { org, token } = await createOrgWithToken(t);
      const organizations = t.db.master.collection('organizations');
      const filter = { _id: new Types.ObjectId(org.id as string) };
      // As a rename in progress leaves it.
      await organizations.updateOne(filter, { $set: { status: 'migrating' } });
      try {
        const busy = await operator().delete(`/platform/organizations/${org.id as string}`);
        expectError(busy, 409);
        expect(busy.headers['retry-after']).toMatch(/^\d+$/);
      } finally {
        await organizations.updateOne(filter, { $set: { status: 'active' } });
      }
      await t.withToken(token).get('/org/records').expect(200);
    });
  });
});

describe('GET /org/list with ORG_LIST_PUBLIC=true (e2e)', () => {
  const t = useTestApp({ ORG_LIST_PUBLIC: 'true' });

  it('is public, and says so in the document; /platform still takes the operator key', async () => {
    const { org } = await createOrgWithToken(t);
    const page = await t.http().get('/org/list').query({ limit: 100 }).expect(200);
    expect(page.body.items.map((item: { id: string }) => item.id)).toContain(org.id);
    expectError(await t.http().get('/org/list').query({ limit: 0 }), 400);
    expectError(await t.http().get('/platform/organizations'), 401);
    await t.withToken(TEST_OPERATOR_KEY).get('/platform/organizations').expect(200);
    const document = (await t.http().get('/docs-json').expect(200)).body;
    const list = document.paths['/org/list'].get;
    expect({ security: list.security, has401: '401' in list.responses }).toEqual({ security: [], has401: false });
    expect(list.description).toMatch(/Public on this instance/);
  });
});
