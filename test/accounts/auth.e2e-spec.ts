import { Types } from 'mongoose';
import { JwtService } from '@nestjs/jwt';
import { expectError } from '../support/expect-error.js';
import { createOrgWithToken, useOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const decodePart = (token: string, index: number) => JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
/** The error body without its per-request id, to compare two answers. */
const withoutRequestId = ({ requestId: _requestId, ...rest }: Record<string, unknown>) => rest;

describe('auth (e2e)', () => {
  const t = useTestApp();

  const login = (body: Record<string, unknown>) => t.http().post('/admin/login').send(body);
  const stats = (token: string) => t.withToken(token).get('/org/collection/stats');
  const expectRevoked = async (token: string) => expectError(await stats(token), 401, 'Invalid or expired token');

  describe('POST /admin/login', () => {
    it("answers 200 with the token, its type and lifetime, the account and org ids, the role and the account's organizations", async () => {
      const input = uniqueOrg();
      const created = await t.http().post('/org/create').send(input).expect(201);
      const res = await login({ email: input.email, password: input.password }).expect(200);
      // One membership and none named: a token of that organization, as the seeds' clients expect.
      expect(res.body).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'bearer',
        expires_in: 3600,
        admin_id: created.body.admin.id,
        org_id: created.body.id,
        role: 'owner',
        organizations: [{ id: created.body.id, organization_name: input.organization_name, role: 'owner', suspended: false }],
      });
      await stats(res.body.access_token).expect(200);
    });

    it('answers the same for the organization named by id or by any spelling of its name, and 403 for one the account is not in', async () => {
      const { org, input } = await createOrgWithToken(t);
      const other = await createOrgWithToken(t);
      for (const choice of [{ organization_id: org.id }, { organization_name: ` ${input.organization_name.toUpperCase()} ` }]) {
        const res = await login({ email: input.email, password: input.password, ...choice }).expect(200);
        expect(res.body).toMatchObject({ admin_id: org.admin.id, org_id: org.id, role: 'owner' });
        expect(decodePart(res.body.access_token, 1).org_id).toBe(org.id);
      }
      const notAMember = [
        await login({ email: input.email, password: input.password, organization_id: other.org.id }),
        await login({ email: input.email, password: input.password, organization_name: other.input.organization_name }),
        await login({ email: input.email, password: input.password, organization_name: uniqueOrg().organization_name }),
      ];
      for (const res of notAMember) expectError(res, 403);
      expect(new Set(notAMember.map((res) => res.body.message)).size).toBe(1);
    });

    it('accepts the email in any case and with surrounding spaces', async () => {
      const input = uniqueOrg();
      await t.http().post('/org/create').send(input).expect(201);
      await login({ email: ` ${input.email.toUpperCase()} `, password: input.password }).expect(200);
    });

    it('gives an unknown email and a wrong password the same 401 body', async () => {
      const input = uniqueOrg();
      await t.http().post('/org/create').send(input).expect(201);
      const unknown = await login({ email: uniqueOrg().email, password: input.password });
      const wrong = await login({ email: input.email, password: `${input.password}x` });
      expectError(unknown, 401, 'Invalid email or password');
      expectError(wrong, 401, 'Invalid email or password');
      expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(wrong.body));
      expect(unknown.headers['www-authenticate']).toEqual(wrong.headers['www-authenticate']);
    });

    it('compares the password exactly: no trimming, no truncation, case-sensitive', async () => {
      const input = { ...uniqueOrg(), password: `${'long-passphrase-'.repeat(8)}END` };
      await t.http().post('/org/create').send(input).expect(201);
      for (const variant of [
        ` ${input.password}`,
        input.password.toUpperCase(),
        input.password.slice(0, 72),
        `${input.password.slice(0, -3)}XXX`,
      ]) {
        expectError(await login({ email: input.email, password: variant }), 401);
      }
      await login({ email: input.email, password: input.password }).expect(200);
    });

    it.each([
      ['no body', undefined],
      ['no email', { password: 'whatever-password' }],
      ['no password', { email: 'a@example.com' }],
      ['an empty password', { email: 'a@example.com', password: '' }],
      ['an invalid email', { email: 'nope', password: 'whatever-password' }],
      ['a password over 1024 characters', { email: 'a@example.com', password: 'p'.repeat(1025) }],
      ['an operator object as email', { email: { $ne: null }, password: 'whatever-password' }],
      ['an operator object as password', { email: 'a@example.com', password: { $gt: '' } }],
      ['an unknown field', { email: 'a@example.com', password: 'whatever-password', org_id: 'x' }],
      ['an organization_id that is not an id', { email: 'a@example.com', password: 'whatever-password', organization_id: 'x' }],
      ['an operator object as organization_id', { email: 'a@example.com', password: 'whatever-password', organization_id: { $ne: null } }],
    ])('answers 400 for %s', async (_label, body) => {
      expectError(await t.http().post('/admin/login').send(body), 400);
    });
  });

  describe('the token', () => {
    it("is HS256 under the key's kid and carries iss, aud, exp, sub (account id), org_id and its membership, the credential version and a jti", async () => {
      const { token, org } = await createOrgWithToken(t);
      expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT', kid: t.config.jwt.keyId });
      const claims = decodePart(token, 1);
      expect(claims).toEqual({
        iss: t.config.jwt.issuer,
        aud: t.config.jwt.audience,
        sub: org.admin.id,
        org_id: org.id,
        mid: expect.stringMatching(/^[0-9a-f]{24}$/),
        cv: 1,
        jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
      expect(claims.exp - claims.iat).toBe(t.config.jwt.expiresInSeconds);
      const membership = await t.db.master.collection('memberships').findOne({ org_id: new Types.ObjectId(org.id as string) });
      expect(membership?._id.toHexString()).toBe(claims.mid);
      expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
    });

    it('is an account token, without org_id, for an account with no organization, and opens only the account routes', async () => {
      const { token, input, org } = await createOrgWithToken(t);
      await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
      const res = await login({ email: input.email, password: input.password }).expect(200);
      expect(res.body).toMatchObject({ admin_id: org.admin.id, org_id: null, role: null, organizations: [] });
      const claims = decodePart(res.body.access_token, 1);
      expect(claims).toMatchObject({ sub: org.admin.id, cv: 1 });
      expect(claims).not.toHaveProperty('org_id');
      expectError(await stats(res.body.access_token), 403, 'Choose an organization (POST /admin/switch)');
      const me = await t.withToken(res.body.access_token).get('/me').expect(200);
      expect(me.body).toMatchObject({ id: org.admin.id, email: input.email });
    });

    it("stops working when the account's email changes", async () => {
      const { token } = await createOrgWithToken(t);
      const res = await t.withToken(token).put('/org/update').send({ email: uniqueOrg().email }).expect(200);
      await expectRevoked(token);
      expect(decodePart(res.body.access_token, 1).cv).toBe(2);
      await stats(res.body.access_token).expect(200);
    });

    it('stops working when the password changes, and so does every other token of that account', async () => {
      const { token, input } = await createOrgWithToken(t);
      const second = (await login({ email: input.email, password: input.password }).expect(200)).body.access_token;
      await t.withToken(token).put('/org/update').send({ password: 'fresh-Strong-passphrase-1' }).expect(200);
      await expectRevoked(token);
      await expectRevoked(second);
    });

    it('stops working when its organization is deleted, even if the name is taken again', async () => {
      const { token, input } = await createOrgWithToken(t);
      await t.withToken(token).delete('/org/delete').query({ organization_name: input.organization_name }).expect(200);
      await expectRevoked(token);
      // Same name, and the same account (its email and password) as owner, a new organization: the old token is still dead.
      const again = await t.http().post('/org/create').send(input).expect(201);
      await expectRevoked(token);
      const fresh = await login({ email: input.email, password: input.password }).expect(200);
      expect(fresh.body.org_id).toBe(again.body.id);
      await stats(fresh.body.access_token).expect(200);
      expectError(await t.withToken(token).put('/org/update').send({ organization_name: uniqueOrg().organization_name }), 401);
      expectError(await t.withToken(token).post('/org/records').send({ a: 1 }), 401);
    });

    it('is refused when signed correctly but naming an organization its account does not belong to', async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const forged = await t.app.get(JwtService).signAsync({ sub: a.org.admin.id, org_id: b.org.id, cv: 1 });
      await expectRevoked(forged);
      expectError(await t.withToken(forged).delete('/org/delete').query({ organization_name: b.input.organization_name }), 401);
      await t.http().get('/org/get').query({ organization_name: b.input.organization_name }).expect(200);
    });

    it('is refused when its payload was altered', async () => {
      const a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const [header, payload, signature] = a.token.split('.');
      const altered = Buffer.from(JSON.stringify({ ...decodePart(a.token, 1), org_id: b.org.id })).toString('base64url');
      expect(payload).not.toBe(altered);
      await expectRevoked(`${header}.${altered}.${signature}`);
    });
  });

  describe('a token of org A against org B', () => {
    const a = useOrgWithToken(t);
    const b = useOrgWithToken(t);
    let recordOfB: { id: string; data: Record<string, unknown> };

    beforeAll(async () => {
      recordOfB = (await t.withToken(b.token).post('/org/records').send({ secret: 'of B' }).expect(201)).body;
    });

    const recordOfBIsIntact = async () => {
      const res = await t.withToken(b.token).get(`/org/records/${recordOfB.id}`).expect(200);
      expect(res.body.data).toEqual({ secret: 'of B' });
    };

    it("reads only A's collection stats", async () => {
      const res = await stats(a.token).expect(200);
      expect(res.body).toMatchObject({ collection_name: a.org.collection_name, documents: 0 });
    });

    it("cannot delete B (403) and B's data stays", async () => {
      const res = await t.withToken(a.token).delete('/org/delete').send({ organization_name: b.input.organization_name });
      expectError(res, 403);
      await t.http().get('/org/get').query({ organization_name: b.input.organization_name }).expect(200);
      await recordOfBIsIntact();
    });

    it("cannot take B's name or the email of B's owner account by update (409)", async () => {
      expectError(await t.withToken(a.token).put('/org/update').send({ organization_name: b.input.organization_name }), 409);
      expectError(await t.withToken(a.token).put('/org/update').send({ email: b.input.email }), 409);
      await stats(b.token).expect(200);
      await t.http().post('/admin/login').send({ email: b.input.email, password: b.input.password }).expect(200);
    });

    it("changes only A when A updates, and B's token keeps working", async () => {
      const renamed = uniqueOrg('A renamed').organization_name;
      const res = await t.withToken(a.token).put('/org/update').send({ organization_name: renamed }).expect(200);
      expect(res.body.organization.id).toBe(a.org.id);
      const bNow = await t.http().get('/org/get').query({ organization_name: b.input.organization_name }).expect(200);
      expect(bNow.body).toMatchObject({ id: b.org.id, organization_name: b.org.organization_name, collection_name: b.org.collection_name });
      await stats(b.token).expect(200);
      await recordOfBIsIntact();
    });

    it("cannot read, replace or delete B's records (404), nor list them", async () => {
      const path = `/org/records/${recordOfB.id}`;
      expectError(await t.withToken(a.token).get(path), 404);
      expectError(await t.withToken(a.token).put(path).send({ secret: 'overwritten by A' }), 404);
      expectError(await t.withToken(a.token).delete(path), 404);
      const list = await t.withToken(a.token).get('/org/records').expect(200);
      expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(recordOfB.id);
      await recordOfBIsIntact();
    });
  });
});
