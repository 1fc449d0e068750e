import { Types } from 'mongoose';
import { OrganizationStatus } from '../../src/organizations/persistence/organization.schema.js';
import { expectError } from '../support/expect-error.js';
import { addMember, invite, storedAccount, storedMembers } from '../support/members.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { STRONG_PASSWORD, TEST_OPERATOR_KEY, uniqueOrg } from '../support/test-app.js';

const ORG_VIEW_KEYS = ['collection_name', 'created_at', 'id', 'organization_name', 'placement', 'slug', 'status', 'updated_at'];

describe('organizations (e2e)', () => {
  const t = useTestApp();

  const getOrg = (name: string) => t.http().get('/org/get').query({ organization_name: name });
  const addRecords = async (token: string, count: number) => {
    for (let i = 0; i < count; i += 1) {
      await t.withToken(token).post('/org/records').send({ n: i }).expect(201);
    }
  };
  const login = (email: string, password: string) => t.http().post('/admin/login').send({ email, password });

  describe('POST /org/create', () => {
    it('answers 201 with the org view and its admin, and creates the account, its owner membership and the collection', async () => {
      const input = uniqueOrg('Acme Café');
      const res = await t.http().post('/org/create').send(input).expect(201);

      expect(Object.keys(res.body).sort()).toEqual([...ORG_VIEW_KEYS, 'admin'].sort());
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        organization_name: input.organization_name,
        slug: input.organization_name.toLowerCase().replace('café', 'cafe').replace(/ /g, '_'),
        collection_name: `org_${res.body.slug}`,
        status: OrganizationStatus.Active,
        placement: { mode: 'collection', cluster: 'default', database: t.config.mongo.tenantDbName, collection: `org_${res.body.slug}` },
        created_at: expect.any(String),
        updated_at: expect.any(String),
        admin: { id: expect.stringMatching(/^[0-9a-f]{24}$/), email: input.email },
      });
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
      expect(await t.db.tenantCollections()).toContain(res.body.collection_name);
      // The admin is an account (its id is the one the API shows) with an owner membership of the new organization.
      const account = await storedAccount(t, input.email);
      expect(account?._id.toHexString()).toBe(res.body.admin.id);
      const members = await storedMembers(t, res.body.id);
      expect(members.map(({ _id, email, role }) => ({ id: _id.toHexString(), email, role }))).toEqual([
        { id: res.body.admin.id, email: input.email, role: 'owner' },
      ]);
    });

    it('stores the password only as an argon2id hash', async () => {
      const input = uniqueOrg();
      const res = await t.http().post('/org/create').send(input).expect(201);
      const account = await storedAccount(t, input.email);
      expect(account?.password_hash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(account)).not.toContain(input.password);
      // The membership holds no credential of its own.
      const memberships = await t.db.master.collection('memberships').find({ account_id: account?._id }).toArray();
      expect(memberships.map((membership) => membership.org_id.toHexString())).toEqual([res.body.id]);
      expect(JSON.stringify(memberships)).not.toMatch(/argon2|password/);
    });

    it('trims the name', async () => {
      const input = uniqueOrg('Trimmed');
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...input, organization_name: `  \t${input.organization_name}  ` })
        .expect(201);
      expect(res.body.organization_name).toBe(input.organization_name);
    });

    it('accepts a name of exactly 100 characters and refuses 101', async () => {
      const base = uniqueOrg('L');
      const hundred = base.organization_name.padEnd(100, 'x');
      const created = await t
        .http()
        .post('/org/create')
        .send({ ...base, organization_name: hundred })
        .expect(201);
      expect(created.body.organization_name).toBe(hundred);
      expect(Buffer.byteLength(created.body.slug)).toBeLessThanOrEqual(64);

      const other = uniqueOrg('L');
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...other, organization_name: other.organization_name.padEnd(101, 'x') });
      expectError(res, 400, /organization_name/);
    });

    it.each([
      ['no letter or digit', '!!! --- ???'],
      ['only whitespace', '   '],
      ['empty', ''],
    ])('refuses a name with %s (400) and stores nothing', async (_label, organization_name) => {
      const input = uniqueOrg();
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...input, organization_name });
      expectError(res, 400, /organization_name/);
      expectError(await login(input.email, input.password), 401);
      expect(await storedAccount(t, input.email)).toBeNull();
    });

    it('accepts non-Latin names with a non-empty slug', async () => {
      const tag = uniqueOrg().organization_name.split(' ')[1];
      for (const name of [`株式会社 ${tag}`, `Компания ${tag}`, `شركة ${tag}`, `कंपनी ${tag}`]) {
        const res = await t
          .http()
          .post('/org/create')
          .send({ ...uniqueOrg(), organization_name: name })
          .expect(201);
        expect(res.body.organization_name).toBe(name);
        expect(res.body.slug.length).toBeGreaterThan(tag.length + 1);
        expect(res.body.collection_name).toBe(`org_${res.body.slug}`);
        expect(res.body.slug).not.toMatch(/[$.\u0000]/);
      }
    });

    it('treats accent and case variants of a taken name as the same organization (409)', async () => {
      const tag = uniqueOrg().organization_name.split(' ')[1];
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), organization_name: `Café Zoë ${tag}` })
        .expect(201);
      for (const variant of [`cafe zoe ${tag}`, `CAFÉ ZOË ${tag}`, `  Cafe-Zoe ${tag} `, `café_zoë_${tag}`]) {
        const res = await t
          .http()
          .post('/org/create')
          .send({ ...uniqueOrg(), organization_name: variant });
        expectError(res, 409, 'An organization with this name already exists');
      }
    });

    it("refuses an existing account's email with another password, compared case-insensitively (409), and releases the name it tried", async () => {
      const first = uniqueOrg();
      const created = await t.http().post('/org/create').send(first).expect(201);
      const second = { ...uniqueOrg(), password: 'another-Strong-passphrase-7' };
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...second, email: first.email.toUpperCase() });
      expectError(res, 409, 'An account with this email already exists');
      expectError(await getOrg(second.organization_name), 404);
      // The account is untouched: still in its one organization, with its own password.
      expect((await storedMembers(t, created.body.id)).map((member) => member._id.toHexString())).toEqual([created.body.admin.id]);
      expect((await login(first.email, first.password).expect(200)).body.org_id).toBe(created.body.id);
      expectError(await login(first.email, second.password), 401);
      // The failed create left no claim on its name behind.
      await t.http().post('/org/create').send(second).expect(201);
    });

    it('makes an existing account (its email in any case, its own password) the owner of a second organization', async () => {
      const first = uniqueOrg();
      const a = await t.http().post('/org/create').send(first).expect(201);
      const second = uniqueOrg();
      const b = await t
        .http()
        .post('/org/create')
        .send({ ...second, email: ` ${first.email.toUpperCase()}`, password: first.password })
        .expect(201);
      expect(b.body.admin).toEqual({ id: a.body.admin.id, email: first.email });
      expect(await t.db.master.collection('accounts').countDocuments({ email: first.email })).toBe(1);
      for (const org of [a.body, b.body]) {
        expect((await storedMembers(t, org.id)).map(({ _id, role }) => ({ id: _id.toHexString(), role }))).toEqual([
          { id: a.body.admin.id, role: 'owner' },
        ]);
      }
      // With two memberships and none named, the login answer is an account token listing both.
      const res = await login(first.email, first.password).expect(200);
      expect(res.body).toMatchObject({ admin_id: a.body.admin.id, org_id: null, role: null });
      expect(res.body.organizations).toEqual(
        expect.arrayContaining([
          { id: a.body.id, organization_name: first.organization_name, role: 'owner', suspended: false },
          { id: b.body.id, organization_name: second.organization_name, role: 'owner', suspended: false },
        ]),
      );
      expect(res.body.organizations).toHaveLength(2);
    });

    it('stores the email lower-cased and logs in with any case', async () => {
      const input = uniqueOrg();
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...input, email: `  ${input.email.toUpperCase()} ` })
        .expect(201);
      expect(res.body.admin.email).toBe(input.email);
      await login(input.email.toUpperCase(), input.password).expect(200);
    });

    it('refuses a taken name (409) and keeps the email it tried free', async () => {
      const first = uniqueOrg();
      await t.http().post('/org/create').send(first).expect(201);
      const second = uniqueOrg();
      expectError(
        await t
          .http()
          .post('/org/create')
          .send({ ...second, organization_name: first.organization_name }),
        409,
      );
      // No account was left behind: the email is free for anyone, with any password.
      expect(await storedAccount(t, second.email)).toBeNull();
      expectError(await login(second.email, second.password), 401);
      await t
        .http()
        .post('/org/create')
        .send({ ...second, password: 'another-Strong-passphrase-7' })
        .expect(201);
    });

    it.each([
      ['11 characters', 'abcdefghijk', /at least 12/],
      ['1025 characters', 'x'.repeat(1025), /1024/],
      ['a common one', 'Password1234', /too common/],
    ])('refuses a password of %s (400)', async (_label, password, message) => {
      const input = uniqueOrg();
      expectError(
        await t
          .http()
          .post('/org/create')
          .send({ ...input, password }),
        400,
        message,
      );
      expectError(await getOrg(input.organization_name), 404);
    });

    it('accepts a password of exactly 12 and of 1024 characters', async () => {
      for (const password of ['twelve-chars', 'y'.repeat(1024)]) {
        const input = { ...uniqueOrg(), password };
        await t.http().post('/org/create').send(input).expect(201);
        await login(input.email, password).expect(200);
      }
    });

    it.each([
      ['a missing name', ({ organization_name: _, ...rest }: Record<string, unknown>) => rest],
      ['a missing email', ({ email: _, ...rest }: Record<string, unknown>) => rest],
      ['a missing password', ({ password: _, ...rest }: Record<string, unknown>) => rest],
      ['an invalid email', (input: Record<string, unknown>) => ({ ...input, email: 'not-an-email' })],
      ['a numeric name', (input: Record<string, unknown>) => ({ ...input, organization_name: 42 })],
      ['an operator object as name', (input: Record<string, unknown>) => ({ ...input, organization_name: { $ne: null } })],
      ['an operator object as email', (input: Record<string, unknown>) => ({ ...input, email: { $gt: '' } })],
      ['an unknown field', (input: Record<string, unknown>) => ({ ...input, role: 'owner' })],
    ])('refuses %s (400)', async (_label, mutate) => {
      const input = uniqueOrg();
      const res = await t.http().post('/org/create').send(mutate(input));
      expectError(res, 400);
      expectError(await getOrg(input.organization_name), 404);
      expect(await storedAccount(t, input.email)).toBeNull();
    });

    it('refuses a body over 64 KiB (413) and stores nothing', async () => {
      const input = uniqueOrg();
      const res = await t
        .http()
        .post('/org/create')
        .send({ ...input, password: `${input.password}${'x'.repeat(70_000)}` });
      expectError(res, 413);
      expectError(await getOrg(input.organization_name), 404);
    });

    it('refuses malformed JSON (400)', async () => {
      const res = await t.http().post('/org/create').set('Content-Type', 'application/json').send('{"organization_name": ');
      expectError(res, 400);
    });

    it('echoes a sane X-Request-Id and uses it in the error body', async () => {
      const res = await t.http().post('/org/create').set('X-Request-Id', 'trace-abc-123').send({});
      expect(res.headers['x-request-id']).toBe('trace-abc-123');
      expectError(res, 400);
    });
  });

  describe('GET /org/get', () => {
    it('answers 200 with the org view and nothing secret', async () => {
      const { org, input } = await createOrgWithToken(t);
      const res = await getOrg(input.organization_name).expect(200);
      const { admin: _admin, ...view } = org;
      expect(res.body).toEqual(view);
      expect(Object.keys(res.body).sort()).toEqual(ORG_VIEW_KEYS);
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password|admin/);
    });

    it('finds the organization by any name with the same slug', async () => {
      const { org, input } = await createOrgWithToken(t);
      const res = await getOrg(`  ${input.organization_name.toUpperCase()} `).expect(200);
      expect(res.body.id).toBe(org.id);
    });

    it('answers 404 for an unknown name', async () => {
      expectError(await getOrg(uniqueOrg().organization_name), 404, 'Organization not found');
    });

    it.each([
      ['no name', {}],
      ['a name without letters or digits', { organization_name: '***' }],
      ['a 101-character name', { organization_name: 'n'.repeat(101) }],
      ['an unknown parameter', { organization_name: 'x', extra: '1' }],
      ['an operator-looking parameter', { 'organization_name[$ne]': 'x' }],
    ])('answers 400 for %s', async (_label, query) => {
      expectError(await t.http().get('/org/get').query(query), 400);
    });
  });

  describe('GET /org/list', () => {
    // An operator's listing (ORG_LIST_PUBLIC is off): the platform suite covers who may call it.
    const list = (query: Record<string, string | number>) => t.withToken(TEST_OPERATOR_KEY).get('/org/list').query(query);
    /** Every page of the listing at the given page size. */
    const walk = async (limit: number) => {
      const pages: Record<string, any>[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = cursor ? { limit, cursor } : { limit };
        const res = await list(query).expect(200);
        expect(Object.keys(res.body).sort()).toEqual(['items', 'next_cursor']);
        pages.push(res.body);
        cursor = res.body.next_cursor;
      } while (cursor);
      return pages;
    };
    const ids = (pages: Record<string, any>[]) => pages.flatMap((page) => page.items.map((item: { id: string }) => item.id));

    it('walks every visible organization once, in creation order, with limit and next_cursor', async () => {
      const created: Record<string, any>[] = [];
      for (let i = 0; i < 3; i += 1)
        created.push(
          (
            await t
              .http()
              .post('/org/create')
              .send(uniqueOrg(`List ${i}`))
              .expect(201)
          ).body,
        );
      const total = await t.db.master.collection('organizations').countDocuments({ status: 'active' });

      const pages = await walk(2);

      expect(pages.map((page) => page.items.length)).toEqual([...Array(pages.length - 1).fill(2), total - 2 * (pages.length - 1)]);
      pages.slice(0, -1).forEach((page) => expect(page.next_cursor).toBe(page.items[1].id));
      expect(pages[pages.length - 1].next_cursor).toBeNull();
      const listed = ids(pages);
      expect(new Set(listed).size).toBe(total);
      expect([...listed].sort()).toEqual(listed);
      expect(listed.slice(-3)).toEqual(created.map((org) => org.id));
      const { admin: _admin, ...lastView } = created[2];
      expect(pages[pages.length - 1].items.at(-1)).toEqual(lastView);
    });

    it('defaults to 20 per page', async () => {
      while ((await t.db.master.collection('organizations').countDocuments({ status: 'active' })) <= 20) {
        await t.http().post('/org/create').send(uniqueOrg('Filler')).expect(201);
      }
      const res = await list({}).expect(200);
      expect(res.body.items).toHaveLength(20);
      expect(res.body.next_cursor).toBe(res.body.items[19].id);
    });

    it('answers an empty last page after the last id', async () => {
      const created = (await t.http().post('/org/create').send(uniqueOrg()).expect(201)).body;
      expect((await list({ cursor: created.id }).expect(200)).body).toEqual({ items: [], next_cursor: null });
    });

    it('leaves out deleted organizations', async () => {
      const { token, input, org } = await createOrgWithToken(t);
      await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
      expect(ids(await walk(100))).not.toContain(org.id);
    });

    it.each([
      ['limit=0', { limit: '0' }],
      ['limit=101', { limit: '101' }],
      ['limit=-1', { limit: '-1' }],
      ['limit=1.5', { limit: '1.5' }],
      ['limit=abc', { limit: 'abc' }],
      ['a non-hex cursor', { cursor: 'zzzzzzzzzzzzzzzzzzzzzzzz' }],
      ['a short cursor', { cursor: 'abc' }],
      ['an unknown parameter', { page: '2' }],
    ])('answers 400 for %s', async (_label, query) => {
      expectError(await list(query), 400);
    });
  });

  describe('PUT /org/update', () => {
    it('renames: moves every document, reports both collections and the count', async () => {
      const { token, org } = await createOrgWithToken(t);
      await addRecords(token, 3);
      const renamed = uniqueOrg('Renamed').organization_name;

      const res = await t.withToken(token).put('/org/update').send({ organization_name: renamed }).expect(200);

      expect(Object.keys(res.body).sort()).toEqual(
        ['access_token', 'current_collection', 'documents_migrated', 'message', 'organization', 'previous_collection'].sort(),
      );
      expect(res.body).toMatchObject({
        message: expect.any(String),
        previous_collection: org.collection_name,
        current_collection: res.body.organization.collection_name,
        documents_migrated: 3,
        access_token: expect.any(String),
      });
      expect(res.body.organization).toMatchObject({ id: org.id, organization_name: renamed, status: 'active' });
      expect(res.body.current_collection).not.toBe(org.collection_name);
      expect(await t.db.tenantCollections()).toEqual(expect.arrayContaining([res.body.current_collection]));
      expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
      expect(await t.db.tenant.collection(res.body.current_collection).countDocuments()).toBe(3);

      expectError(await getOrg(org.organization_name), 404);
      expect((await getOrg(renamed).expect(200)).body.id).toBe(org.id);
      // A rename alone changes no credential: the old token keeps working, and so does the new one.
      for (const usable of [token, res.body.access_token]) {
        const stats = await t.withToken(usable).get('/org/collection/stats').expect(200);
        expect(stats.body).toMatchObject({ collection_name: res.body.current_collection, documents: 3 });
      }
      // The old name is free again.
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), organization_name: org.organization_name })
        .expect(201);
    });

    it('changes only the display name when the slug stays the same', async () => {
      const { token, org } = await createOrgWithToken(t);
      await addRecords(token, 1);
      const variant = org.organization_name.toUpperCase();
      const res = await t.withToken(token).put('/org/update').send({ organization_name: variant }).expect(200);
      expect(res.body).toMatchObject({
        organization: { id: org.id, organization_name: variant, slug: org.slug, collection_name: org.collection_name },
        previous_collection: org.collection_name,
        current_collection: org.collection_name,
        documents_migrated: 0,
      });
      expect((await getOrg(org.organization_name).expect(200)).body.organization_name).toBe(variant);
      expect(await t.db.tenant.collection(org.collection_name).countDocuments()).toBe(1);
    });

    it('changes the email: old email and old token stop working, the new ones work', async () => {
      const { token, input, org } = await createOrgWithToken(t);
      const newEmail = uniqueOrg().email;
      const res = await t.withToken(token).put('/org/update').send({ email: newEmail.toUpperCase() }).expect(200);
      expect(res.body.documents_migrated).toBe(0);
      // The same account (same id), now under the new email, lower-cased.
      expect((await storedAccount(t, newEmail))?._id.toHexString()).toBe(org.admin.id);
      expect(await storedAccount(t, input.email)).toBeNull();

      expectError(await t.withToken(token).get('/org/collection/stats'), 401);
      await t.withToken(res.body.access_token).get('/org/collection/stats').expect(200);
      expectError(await login(input.email, input.password), 401);
      await login(newEmail, input.password).expect(200);
      // The old email is free for a new organization.
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), email: input.email })
        .expect(201);
    });

    it('treats the current email in another case as no change: the token keeps working', async () => {
      const { token, input } = await createOrgWithToken(t);
      const res = await t.withToken(token).put('/org/update').send({ email: input.email.toUpperCase() }).expect(200);
      await t.withToken(token).get('/org/collection/stats').expect(200);
      await t.withToken(res.body.access_token).get('/org/collection/stats').expect(200);
      await login(input.email, input.password).expect(200);
    });

    it('changes the password: stored as a new argon2id hash, old password and old token refused', async () => {
      const { token, input } = await createOrgWithToken(t);
      const before = await storedAccount(t, input.email);
      const newPassword = 'another-Strong-passphrase-7';
      const res = await t.withToken(token).put('/org/update').send({ password: newPassword }).expect(200);

      const after = await storedAccount(t, input.email);
      expect(after?.password_hash).toMatch(/^\$argon2id\$/);
      expect(after?.password_hash).not.toBe(before?.password_hash);
      expectError(await t.withToken(token).get('/org/collection/stats'), 401);
      await t.withToken(res.body.access_token).get('/org/collection/stats').expect(200);
      expectError(await login(input.email, input.password), 401);
      await login(input.email, newPassword).expect(200);
    });

    it("changes the account's email and password in every organization it belongs to", async () => {
      const a = await createOrgWithToken(t);
      const secondOrg = uniqueOrg();
      const b = (
        await t
          .http()
          .post('/org/create')
          .send({ ...secondOrg, email: a.input.email, password: a.input.password })
          .expect(201)
      ).body;
      const tokenOfB = (
        await t.http().post('/admin/login').send({ email: a.input.email, password: a.input.password, organization_id: b.id }).expect(200)
      ).body.access_token;
      const next = { email: uniqueOrg().email, password: 'another-Strong-passphrase-8' };
      const res = await t.withToken(a.token).put('/org/update').send(next).expect(200);

      // Every earlier token of the account is refused, in both organizations; the new one works in A.
      expectError(await t.withToken(a.token).get('/org/collection/stats'), 401);
      expectError(await t.withToken(tokenOfB).get('/org/collection/stats'), 401);
      await t.withToken(res.body.access_token).get('/org/collection/stats').expect(200);
      expectError(await login(a.input.email, a.input.password), 401);
      expectError(await login(next.email, a.input.password), 401);
      // One account, still in both organizations, logs into B with the new credentials.
      expect((await storedMembers(t, b.id)).map((member) => member.email)).toEqual([next.email]);
      const intoB = await t
        .http()
        .post('/admin/login')
        .send({ ...next, organization_id: b.id })
        .expect(200);
      expect(intoB.body).toMatchObject({ admin_id: a.org.admin.id, org_id: b.id, role: 'owner' });
      await t.withToken(intoB.body.access_token).get('/org/collection/stats').expect(200);
    });

    it('renames and changes email and password in one request', async () => {
      const { token, org } = await createOrgWithToken(t);
      await addRecords(token, 2);
      const next = uniqueOrg('All three');
      const res = await t
        .withToken(token)
        .put('/org/update')
        .send({ ...next, password: 'third-Strong-passphrase' })
        .expect(200);
      expect(res.body).toMatchObject({ previous_collection: org.collection_name, documents_migrated: 2 });
      expectError(await t.withToken(token).get('/org/collection/stats'), 401);
      const relogin = await login(next.email, 'third-Strong-passphrase').expect(200);
      expect(relogin.body.org_id).toBe(org.id);
    });

    it('refuses an empty change (400)', async () => {
      const { token } = await createOrgWithToken(t);
      expectError(await t.withToken(token).put('/org/update').send({}), 400, /at least one/);
    });

    it('refuses a name another organization has, in any variant (409), and changes nothing', async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const res = await t.withToken(a.token).put('/org/update').send({ organization_name: b.input.organization_name.toLowerCase() });
      expectError(res, 409, 'An organization with this name already exists');
      expect((await getOrg(a.input.organization_name).expect(200)).body).toMatchObject({ id: a.org.id, status: 'active' });
      expect((await getOrg(b.input.organization_name).expect(200)).body.id).toBe(b.org.id);
      await t.withToken(a.token).get('/org/collection/stats').expect(200);
    });

    it('refuses an email another account has, in any case (409), and changes nothing', async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const res = await t.withToken(a.token).put('/org/update').send({ email: b.input.email.toUpperCase() });
      expectError(res, 409, 'An account with this email already exists');
      await login(a.input.email, a.input.password).expect(200);
      await t.withToken(a.token).get('/org/collection/stats').expect(200);
      await login(b.input.email, b.input.password).expect(200);
      await t.withToken(b.token).get('/org/collection/stats').expect(200);
    });

    it('refuses a rename whose email is taken (409), leaving name and collection as they were', async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const next = uniqueOrg().organization_name;
      const res = await t.withToken(a.token).put('/org/update').send({ organization_name: next, email: b.input.email });
      expectError(res, 409);
      expect((await getOrg(a.input.organization_name).expect(200)).body.collection_name).toBe(a.org.collection_name);
      // The name the failed rename tried is still free.
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), organization_name: next })
        .expect(201);
    });

    it.each([
      ['a 101-character name', { organization_name: 'n'.repeat(101) }],
      ['a name without letters or digits', { organization_name: '-- --' }],
      ['an invalid email', { email: 'nope' }],
      ['a short password', { password: 'short' }],
      ['a 1025-character password', { password: 'p'.repeat(1025) }],
      ['a common password', { password: 'password1234' }],
      ['a numeric password', { password: 123456789012345 }],
      ['an operator object', { organization_name: { $ne: null } }],
      ['a null name', { organization_name: null }],
      ['a null email', { email: null }],
      ['a null password', { password: null }],
      ['an unknown field', { status: 'deleting' }],
    ])('refuses %s (400) and changes nothing', async (_label, body) => {
      const { token, org, input } = await createOrgWithToken(t);
      expectError(await t.withToken(token).put('/org/update').send(body), 400);
      expect((await getOrg(input.organization_name).expect(200)).body).toEqual(
        expect.objectContaining({ organization_name: org.organization_name, updated_at: org.updated_at }),
      );
      await t.withToken(token).get('/org/collection/stats').expect(200);
      await login(input.email, input.password).expect(200);
    });

    it('requires a token (401)', async () => {
      expectError(await t.http().put('/org/update').send({ organization_name: 'x' }), 401);
      expectError(await t.withToken('not.a.token').put('/org/update').send({ organization_name: 'x' }), 401);
    });
  });

  describe('DELETE /org/delete', () => {
    it.each([
      ['the query', (name: string) => ({ query: { organization_name: name }, body: undefined })],
      ['a JSON body', (name: string) => ({ query: {}, body: { organization_name: name } })],
      ['both, agreeing', (name: string) => ({ query: { organization_name: name }, body: { organization_name: name } })],
    ])(
      'deletes the organization named in %s, with its collection, memberships, invitations, audit log and name, keeping the accounts',
      async (_label, place) => {
        const { token, org, input } = await createOrgWithToken(t);
        await addRecords(token, 2);
        const member = await addMember(t, token, 'member');
        await invite(t, token, 'viewer');
        const { query, body } = place(input.organization_name);
        const req = t.withToken(token).delete('/org/delete').query(query);
        const res = await (body ? req.send(body) : req).expect(200);

        expect(res.body).toEqual({ message: expect.any(String), organization_name: input.organization_name, documents_deleted: 2 });
        expectError(await getOrg(input.organization_name), 404);
        expect(await t.db.tenantCollections()).not.toContain(org.collection_name);
        expect(await t.db.master.collection('organizations').countDocuments({ slug: org.slug })).toBe(0);
        expect(await storedMembers(t, org.id)).toEqual([]);
        for (const collection of ['memberships', 'invitations', 'audit_events']) {
          expect([collection, await t.db.master.collection(collection).countDocuments({ org_id: new Types.ObjectId(org.id) })]).toEqual([
            collection,
            0,
          ]);
        }
        // The tokens of the organization are dead.
        expectError(await t.withToken(token).get('/org/collection/stats'), 401);
        expectError(await t.withToken(member.token).get('/org/collection/stats'), 401);
        // The accounts stay: their logins work and, with no organization left, give account tokens.
        expect((await storedAccount(t, input.email))?._id.toHexString()).toBe(org.admin.id);
        for (const person of [
          { id: org.admin.id, email: input.email, password: input.password },
          { id: member.id, email: member.email, password: member.password },
        ]) {
          const relogin = await login(person.email, person.password).expect(200);
          expect(relogin.body).toMatchObject({ admin_id: person.id, org_id: null, role: null, organizations: [] });
          expectError(
            await t.withToken(relogin.body.access_token).get('/org/collection/stats'),
            403,
            'Choose an organization (POST /admin/switch)',
          );
        }
        // The name is free again; the email is still its account's, which (by its password) owns the new organization.
        const again = await t.http().post('/org/create').send(input).expect(201);
        expect(again.body.id).not.toBe(org.id);
        expect(again.body.admin).toEqual({ id: org.admin.id, email: input.email });
        expectError(await t.withToken(token).get('/org/collection/stats'), 401);
      },
    );

    it('deletes by a variant of the name', async () => {
      const { token, input } = await createOrgWithToken(t);
      const res = await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ organization_name: input.organization_name, documents_deleted: 0 });
    });

    it('deletes by the new name right after a rename, and refuses the old one (the instance remembers names)', async () => {
      const { token, input } = await createOrgWithToken(t);
      // Remembered first: the delete of another name reads nothing, and must not keep the old slug past the rename.
      expectError(await t.withToken(token).delete('/org/delete').query({ organization_name: uniqueOrg().organization_name }), 403);
      const renamed = uniqueOrg().organization_name;
      const update = await t.withToken(token).put('/org/update').send({ organization_name: renamed }).expect(200);
      const fresh = update.body.access_token as string;
      expectError(await t.withToken(fresh).delete('/org/delete').query({ organization_name: input.organization_name }), 403);
      const res = await t.withToken(fresh).delete('/org/delete').query({ organization_name: renamed }).expect(200);
      expect(res.body).toMatchObject({ organization_name: renamed });
    });

    it('answers 400 without a name, or with query and body disagreeing', async () => {
      const { token, input } = await createOrgWithToken(t);
      expectError(await t.withToken(token).delete('/org/delete'), 400, /organization_name/);
      expectError(await t.withToken(token).delete('/org/delete').send({}), 400, /organization_name/);
      expectError(
        await t
          .withToken(token)
          .delete('/org/delete')
          .query({ organization_name: input.organization_name })
          .send({ organization_name: 'Somebody Else' }),
        400,
      );
      expectError(
        await t
          .withToken(token)
          .delete('/org/delete')
          .send({ organization_name: { $ne: null } }),
        400,
      );
      expectError(await t.withToken(token).delete('/org/delete').send({ organization_name: null }), 400);
      expectError(await t.withToken(token).delete('/org/delete').send({ organization_name: input.organization_name, x: 1 }), 400);
      await getOrg(input.organization_name).expect(200);
    });

    it("answers 403 for another organization's name and deletes nothing", async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const res = await t.withToken(a.token).delete('/org/delete').query({ organization_name: b.input.organization_name });
      expectError(res, 403, 'The token does not belong to this organization');
      await getOrg(b.input.organization_name).expect(200);
      await getOrg(a.input.organization_name).expect(200);
      expect(await t.db.tenantCollections()).toEqual(expect.arrayContaining([a.org.collection_name, b.org.collection_name]));
    });

    it("answers an unknown name like another organization's: 403, and deletes nothing", async () => {
      const { token, input, org } = await createOrgWithToken(t);
      expectError(
        await t.withToken(token).delete('/org/delete').query({ organization_name: uniqueOrg().organization_name }),
        403,
        'The token does not belong to this organization',
      );
      await getOrg(input.organization_name).expect(200);
      expect(await t.db.tenantCollections()).toContain(org.collection_name);
      await t.withToken(token).get('/org/collection/stats').expect(200);
    });

    it('requires a token (401)', async () => {
      const { input } = await createOrgWithToken(t);
      expectError(await t.http().delete('/org/delete').query({ organization_name: input.organization_name }), 401);
      await getOrg(input.organization_name).expect(200);
    });
  });

  describe('GET /org/collection/stats', () => {
    it("answers with the token's collection, its document count, size and indexes, and its quota", async () => {
      const { token, org } = await createOrgWithToken(t);
      const empty = await t.withToken(token).get('/org/collection/stats').expect(200);
      expect(empty.body).toEqual({
        collection_name: org.collection_name,
        documents: 0,
        size_bytes: expect.any(Number),
        indexes: expect.any(Number),
        quota: { max_documents: 1_000_000, max_bytes: 1024 ** 3 },
      });

      await addRecords(token, 4);
      const full = await t.withToken(token).get('/org/collection/stats').expect(200);
      expect(full.body).toMatchObject({ collection_name: org.collection_name, documents: 4 });
      expect(full.body.size_bytes).toBeGreaterThan(0);
      expect(full.body.indexes).toBeGreaterThanOrEqual(1);
    });

    it('requires a valid token (401)', async () => {
      expectError(await t.http().get('/org/collection/stats'), 401, 'Missing bearer token');
      expectError(await t.withToken('garbage').get('/org/collection/stats'), 401, 'Invalid or expired token');
      expectError(await t.http().get('/org/collection/stats').set('Authorization', `Basic ${STRONG_PASSWORD}`), 401);
    });
  });
});
