import { Types } from 'mongoose';
import { RECORD_MAX_BYTES } from '../src/records/record-limits.js';
import { tenantCollectionName } from '../src/tenants/tenant-collection-name.js';
import { DirectDatabases, openDatabases } from './support/direct-db.js';
import { expectError } from './support/expect-error.js';
import { createOrgWithToken, createTestApp, TestApp } from './support/test-app.js';

describe('tenant records /org/records (e2e)', () => {
  let t: TestApp;
  let db: DirectDatabases;
  let tokenA: string;
  let tokenB: string;
  let collectionA: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const countA = () => db.tenant.collection(collectionA).countDocuments();

  beforeAll(async () => {
    t = await createTestApp();
    db = await openDatabases(t.config);
    const a = await createOrgWithToken(t);
    const b = await createOrgWithToken(t);
    tokenA = a.token;
    tokenB = b.token;
    collectionA = a.org.collection_name;
    expect(collectionA).toBe(tenantCollectionName(a.org.slug));
  });

  afterAll(async () => {
    await db.close();
    await t.close();
  });

  it('creates, reads, replaces and deletes a record in the token organization collection', async () => {
    const data = { sku: 'A-1', qty: 3, tags: ['x', 'y'], nested: { ok: true, none: null }, empty: {} };
    const created = await t.http().post('/org/records').set(auth(tokenA)).send(data).expect(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), data, created_at: expect.any(String), updated_at: expect.any(String) });
    const id = created.body.id as string;

    const stored = await db.tenant.collection(collectionA).findOne({ _id: new Types.ObjectId(id) });
    expect(stored).toMatchObject({ data });

    const read = await t.http().get(`/org/records/${id}`).set(auth(tokenA)).expect(200);
    expect(read.body).toEqual(created.body);

    const replacement = { sku: 'A-2' };
    const replaced = await t.http().put(`/org/records/${id}`).set(auth(tokenA)).send(replacement).expect(200);
    expect(replaced.body).toMatchObject({ id, data: replacement, created_at: created.body.created_at });
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    expect((await db.tenant.collection(collectionA).findOne({ _id: new Types.ObjectId(id) }))?.data).toEqual(replacement);

    const deleted = await t.http().delete(`/org/records/${id}`).set(auth(tokenA)).expect(204);
    expect(deleted.text).toBe('');
    expectError(await t.http().get(`/org/records/${id}`).set(auth(tokenA)), 404, 'Record not found');
    expect(await db.tenant.collection(collectionA).findOne({ _id: new Types.ObjectId(id) })).toBeNull();
  });

  it('pages through records in a stable _id order with next_cursor', async () => {
    const { token } = await createOrgWithToken(t);
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      ids.push((await t.http().post('/org/records').set(auth(token)).send({ i }).expect(201)).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: { id: string; data: { i: number } }[]; next_cursor: string | null } } = await t
        .http()
        .get('/org/records')
        .query(cursor ? { limit: 10, cursor } : { limit: 10 })
        .set(auth(token))
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());
    expect(seen).toEqual(ids); // ObjectIds created one after another sort in creation order

    const again = await t.http().get('/org/records').query({ limit: 10 }).set(auth(token)).expect(200);
    expect(again.body.items.map((item: { id: string }) => item.id)).toEqual(seen.slice(0, 10));

    const defaultPage = await t.http().get('/org/records').set(auth(token)).expect(200);
    expect(defaultPage.body.items).toHaveLength(20);
    expect(defaultPage.body.next_cursor).toBe(seen[19]);

    const maxPage = await t.http().get('/org/records').query({ limit: 100 }).set(auth(token)).expect(200);
    expect(maxPage.body).toEqual({ items: expect.any(Array), next_cursor: null });
    expect(maxPage.body.items).toHaveLength(25);
  });

  it.each([
    ['a limit above the cap', { limit: 101 }],
    ['a zero limit', { limit: 0 }],
    ['a non-numeric limit', { limit: 'ten' }],
    ['a malformed cursor', { cursor: 'not-a-cursor' }],
    ['an operator in the cursor', { 'cursor[$gt]': '' }],
    ['an unknown query field', { sort: '-_id' }],
  ])('refuses %s with 400', async (_label, query) => {
    expectError(await t.http().get('/org/records').query(query).set(auth(tokenA)), 400);
  });

  it('accepts a record of exactly 64 KiB and refuses a larger one with 413, storing nothing', async () => {
    const overhead = Buffer.byteLength(JSON.stringify({ blob: '' }));
    const exact = { blob: 'x'.repeat(RECORD_MAX_BYTES - overhead) };
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(RECORD_MAX_BYTES);
    await t.http().post('/org/records').set(auth(tokenA)).send(exact).expect(201);

    const before = await countA();
    const over = { blob: 'x'.repeat(RECORD_MAX_BYTES - overhead + 1) };
    expectError(await t.http().post('/org/records').set(auth(tokenA)).send(over), 413);
    const nested = { a: { b: ['y'.repeat(RECORD_MAX_BYTES)] } };
    expectError(await t.http().post('/org/records').set(auth(tokenA)).send(nested), 413);
    expect(await countA()).toBe(before);

    const { body } = await t.http().post('/org/records').set(auth(tokenA)).send({ small: 1 }).expect(201);
    expectError(await t.http().put(`/org/records/${body.id}`).set(auth(tokenA)).send(over), 413);
    expect((await t.http().get(`/org/records/${body.id}`).set(auth(tokenA)).expect(200)).body.data).toEqual({ small: 1 });
  });

  it.each([
    ['a top-level $ key', { $set: { a: 1 } }],
    ['a nested operator', { a: { b: { $ne: null } } }],
    ['an operator inside an array', { list: [{ ok: 1 }, { $where: 'sleep(100)' }] }],
    ['a dotted key', { 'a.b': 1 }],
    ['a nested dotted key', { a: { 'profile.name': 'x' } }],
    ['an array body', [1, 2, 3]],
    ['a string body', JSON.stringify('text')],
  ])('refuses %s with 400 and changes nothing', async (_label, body) => {
    const { body: existing } = await t.http().post('/org/records').set(auth(tokenA)).send({ keep: true }).expect(201);
    const before = await countA();
    const send = (request: ReturnType<ReturnType<TestApp['http']>['post']>) =>
      typeof body === 'string' ? request.set('Content-Type', 'application/json').send(body) : request.send(body);
    expectError(await send(t.http().post('/org/records').set(auth(tokenA))), 400);
    expectError(await send(t.http().put(`/org/records/${existing.id}`).set(auth(tokenA))), 400);
    expect(await countA()).toBe(before);
    expect((await t.http().get(`/org/records/${existing.id}`).set(auth(tokenA)).expect(200)).body.data).toEqual({ keep: true });
  });

  it('refuses malformed JSON with 400', async () => {
    const before = await countA();
    expectError(await t.http().post('/org/records').set(auth(tokenA)).set('Content-Type', 'application/json').send('{"a": '), 400);
    expect(await countA()).toBe(before);
  });

  it.each(['abc', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef0123456', '0123456789abcdef012345678', '%24ne'])(
    'answers 400 for the malformed id %s',
    async (id) => {
      expectError(await t.http().get(`/org/records/${id}`).set(auth(tokenA)), 400);
      expectError(await t.http().put(`/org/records/${id}`).set(auth(tokenA)).send({ a: 1 }), 400);
      expectError(await t.http().delete(`/org/records/${id}`).set(auth(tokenA)), 400);
    },
  );

  it('answers 404 for a well-formed id that does not exist', async () => {
    const id = new Types.ObjectId().toHexString();
    expectError(await t.http().get(`/org/records/${id}`).set(auth(tokenA)), 404, 'Record not found');
    expectError(await t.http().put(`/org/records/${id}`).set(auth(tokenA)).send({ a: 1 }), 404, 'Record not found');
    expectError(await t.http().delete(`/org/records/${id}`).set(auth(tokenA)), 404, 'Record not found');
    expect(await db.tenant.collection(collectionA).findOne({ _id: new Types.ObjectId(id) })).toBeNull();
  });

  it('never lets one organization read, change or delete another organization records', async () => {
    const { body: record } = await t.http().post('/org/records').set(auth(tokenA)).send({ secret: 'of A' }).expect(201);

    expectError(await t.http().get(`/org/records/${record.id}`).set(auth(tokenB)), 404);
    expectError(await t.http().put(`/org/records/${record.id}`).set(auth(tokenB)).send({ hijacked: true }), 404);
    expectError(await t.http().delete(`/org/records/${record.id}`).set(auth(tokenB)), 404);
    const listB = await t.http().get('/org/records').query({ limit: 100 }).set(auth(tokenB)).expect(200);
    expect(listB.body.items.map((item: { id: string }) => item.id)).not.toContain(record.id);

    const { body: recordB } = await t.http().post('/org/records').set(auth(tokenB)).send({ own: 'B' }).expect(201);
    expect(await db.tenant.collection(collectionA).findOne({ _id: new Types.ObjectId(recordB.id) })).toBeNull();
    expect((await t.http().get(`/org/records/${record.id}`).set(auth(tokenA)).expect(200)).body.data).toEqual({ secret: 'of A' });
  });

  it('requires a valid token on every route', async () => {
    const id = new Types.ObjectId().toHexString();
    expectError(await t.http().get('/org/records'), 401);
    expectError(await t.http().post('/org/records').send({ a: 1 }), 401);
    expectError(await t.http().get(`/org/records/${id}`).set(auth('not-a-token')), 401);
    expectError(await t.http().put(`/org/records/${id}`).send({ a: 1 }), 401);
    expectError(await t.http().delete(`/org/records/${id}`), 401);
  });
});
