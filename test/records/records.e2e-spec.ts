import { Types } from 'mongoose';
import { RECORD_MAX_BYTES } from '../../src/records/record-limits.js';
import { tenantCollectionName } from '../../src/tenants/tenant-collection-name.js';
import { expectError } from '../support/expect-error.js';
import { createOrgWithToken, Requests, useOrgWithToken, useTestApp } from '../support/session.js';

describe('tenant records /org/records (e2e)', () => {
  const t = useTestApp();
  const a = useOrgWithToken(t);
  const b = useOrgWithToken(t);
  const countA = () => t.db.tenant.collection(a.org.collection_name).countDocuments();

  beforeAll(() => {
    expect(a.org.collection_name).toBe(tenantCollectionName(a.org.slug));
  });

  it('creates, reads, replaces and deletes a record in the token organization collection', async () => {
    const data = { sku: 'A-1', qty: 3, tags: ['x', 'y'], nested: { ok: true, none: null }, empty: {} };
    const created = await t.withToken(a.token).post('/org/records').send(data).expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      data,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id as string;

    const stored = await t.db.tenant.collection(a.org.collection_name).findOne({ _id: new Types.ObjectId(id) });
    expect(stored).toMatchObject({ data });

    const read = await t.withToken(a.token).get(`/org/records/${id}`).expect(200);
    expect(read.body).toEqual(created.body);

    const replacement = { sku: 'A-2' };
    const replaced = await t.withToken(a.token).put(`/org/records/${id}`).send(replacement).expect(200);
    expect(replaced.body).toMatchObject({ id, data: replacement, created_at: created.body.created_at });
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    expect((await t.db.tenant.collection(a.org.collection_name).findOne({ _id: new Types.ObjectId(id) }))?.data).toEqual(replacement);

    const deleted = await t.withToken(a.token).delete(`/org/records/${id}`).expect(204);
    expect(deleted.text).toBe('');
    expectError(await t.withToken(a.token).get(`/org/records/${id}`), 404, 'Record not found');
    expect(await t.db.tenant.collection(a.org.collection_name).findOne({ _id: new Types.ObjectId(id) })).toBeNull();
  });

  it('pages through records in a stable _id order with next_cursor', async () => {
    const { token } = await createOrgWithToken(t);
    const ids: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      ids.push((await t.withToken(token).post('/org/records').send({ i }).expect(201)).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: { id: string; data: { i: number } }[]; next_cursor: string | null } } = await t
        .withToken(token)
        .get('/org/records')
        .query(cursor ? { limit: 10, cursor } : { limit: 10 })
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(10);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());
    expect(seen).toEqual(ids); // ObjectIds created one after another sort in creation order

    const again = await t.withToken(token).get('/org/records').query({ limit: 10 }).expect(200);
    expect(again.body.items.map((item: { id: string }) => item.id)).toEqual(seen.slice(0, 10));

    const defaultPage = await t.withToken(token).get('/org/records').expect(200);
    expect(defaultPage.body.items).toHaveLength(20);
    expect(defaultPage.body.next_cursor).toBe(seen[19]);

    const maxPage = await t.withToken(token).get('/org/records').query({ limit: 100 }).expect(200);
    expect(maxPage.body).toEqual({ items: expect.any(Array), next_cursor: null });
    expect(maxPage.body.items).toHaveLength(25);
  });

  it.each([
    ['a limit above the cap', { limit: 101 }],
    ['a zero limit', { limit: 0 }],
    ['a non-numeric limit', { limit: 'ten' }],
    ['a malformed cursor', { cursor: 'not-a-cursor' }],
    ['an operator in the cursor', { 'cursor[$gt]': '' }],
    ['an unknown query field', { order: '-_id' }],
  ])('refuses %s with 400', async (_label, query) => {
    expectError(await t.withToken(a.token).get('/org/records').query(query), 400);
  });

  it('accepts a record of exactly 64 KiB and refuses a larger one with 413, storing nothing', async () => {
    const overhead = Buffer.byteLength(JSON.stringify({ blob: '' }));
    const exact = { blob: 'x'.repeat(RECORD_MAX_BYTES - overhead) };
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(RECORD_MAX_BYTES);
    await t.withToken(a.token).post('/org/records').send(exact).expect(201);

    const before = await countA();
    const over = { blob: 'x'.repeat(RECORD_MAX_BYTES - overhead + 1) };
    expectError(await t.withToken(a.token).post('/org/records').send(over), 413);
    const nested = { a: { b: ['y'.repeat(RECORD_MAX_BYTES)] } };
    expectError(await t.withToken(a.token).post('/org/records').send(nested), 413);
    expect(await countA()).toBe(before);

    const { body } = await t.withToken(a.token).post('/org/records').send({ small: 1 }).expect(201);
    expectError(await t.withToken(a.token).put(`/org/records/${body.id}`).send(over), 413);
    expect((await t.withToken(a.token).get(`/org/records/${body.id}`).expect(200)).body.data).toEqual({ small: 1 });
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
    const { body: existing } = await t.withToken(a.token).post('/org/records').send({ keep: true }).expect(201);
    const before = await countA();
    const send = (request: ReturnType<Requests['post']>) =>
      typeof body === 'string' ? request.set('Content-Type', 'application/json').send(body) : request.send(body);
    expectError(await send(t.withToken(a.token).post('/org/records')), 400);
    expectError(await send(t.withToken(a.token).put(`/org/records/${existing.id}`)), 400);
    expect(await countA()).toBe(before);
    expect((await t.withToken(a.token).get(`/org/records/${existing.id}`).expect(200)).body.data).toEqual({ keep: true });
  });

  it('refuses malformed JSON with 400', async () => {
    const before = await countA();
    expectError(await t.withToken(a.token).post('/org/records').set('Content-Type', 'application/json').send('{"a": '), 400);
    expect(await countA()).toBe(before);
  });

  it.each(['abc', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef0123456', '0123456789abcdef012345678', '%24ne'])(
    'answers 400 for the malformed id %s',
    async (id) => {
      expectError(await t.withToken(a.token).get(`/org/records/${id}`), 400);
      expectError(await t.withToken(a.token).put(`/org/records/${id}`).send({ a: 1 }), 400);
      expectError(await t.withToken(a.token).delete(`/org/records/${id}`), 400);
    },
  );

  it('answers 404 for a well-formed id that does not exist', async () => {
    const id = new Types.ObjectId().toHexString();
    expectError(await t.withToken(a.token).get(`/org/records/${id}`), 404, 'Record not found');
    expectError(await t.withToken(a.token).put(`/org/records/${id}`).send({ a: 1 }), 404, 'Record not found');
    expectError(await t.withToken(a.token).delete(`/org/records/${id}`), 404, 'Record not found');
    expect(await t.db.tenant.collection(a.org.collection_name).findOne({ _id: new Types.ObjectId(id) })).toBeNull();
  });

  it('never lets one organization read, change or delete another organization records', async () => {
    const { body: record } = await t.withToken(a.token).post('/org/records').send({ secret: 'of A' }).expect(201);

    expectError(await t.withToken(b.token).get(`/org/records/${record.id}`), 404);
    expectError(await t.withToken(b.token).put(`/org/records/${record.id}`).send({ hijacked: true }), 404);
    expectError(await t.withToken(b.token).delete(`/org/records/${record.id}`), 404);
    const listB = await t.withToken(b.token).get('/org/records').query({ limit: 100 }).expect(200);
    expect(listB.body.items.map((item: { id: string }) => item.id)).not.toContain(record.id);

    const { body: recordB } = await t.withToken(b.token).post('/org/records').send({ own: 'B' }).expect(201);
    expect(await t.db.tenant.collection(a.org.collection_name).findOne({ _id: new Types.ObjectId(recordB.id) })).toBeNull();
    expect((await t.withToken(a.token).get(`/org/records/${record.id}`).expect(200)).body.data).toEqual({ secret: 'of A' });
  });

  it('requires a valid token on every route', async () => {
    const id = new Types.ObjectId().toHexString();
    expectError(await t.http().get('/org/records'), 401);
    expectError(await t.http().post('/org/records').send({ a: 1 }), 401);
    expectError(await t.withToken('not-a-token').get(`/org/records/${id}`), 401);
    expectError(await t.http().put(`/org/records/${id}`).send({ a: 1 }), 401);
    expectError(await t.http().delete(`/org/records/${id}`), 401);
  });
});
