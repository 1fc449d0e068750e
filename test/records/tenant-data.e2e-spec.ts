import { Types } from 'mongoose';
import { expectError } from '../support/expect-error.js';
import { bearer } from '../support/fetch-client.js';
import { type PlacementView, storedAt } from '../support/placement.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';

const OPERATOR = bearer(TEST_OPERATOR_KEY);
const NDJSON = 'application/x-ndjson';

type Session = ReturnType<typeof useTestApp>;

/** The organization's records as stored, by id hex, with their data. */
async function storedData(t: Session, owner: OrgWithToken): Promise<Map<string, unknown>> {
  const stored = await storedAt(t.db, owner.org.placement as PlacementView, owner.org.id);
  return new Map(stored.map(({ _id, data }) => [_id.toHexString(), data]));
}

function exportOf(t: Session, owner: OrgWithToken) {
  return t
    .withToken(owner.token)
    .get('/org/export')
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
}

function importInto(t: Session, owner: OrgWithToken, body: string) {
  return t.withToken(owner.token).post('/org/import').set('content-type', NDJSON).send(body);
}

function lines(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe.each(['collection', 'shared', 'database'] as const)('the tenant data API in %s mode (e2e)', (mode) => {
  const t = useTestApp({ DEFAULT_PLACEMENT: mode, TENANT_MAX_INDEXES: '3' });

  describe('indexes', () => {
    if (mode === 'shared') {
      it('answers 409 to index changes and lists none', async () => {
        const owner = await createOrgWithToken(t);
        const api = t.withToken(owner.token);
        expectError(await api.post('/org/records/indexes').send({ keys: { status: 1 } }), 409, /needs collection or database placement/);
        expectError(await api.delete('/org/records/indexes/status_1'), 409, /needs collection or database placement/);
        expect((await api.get('/org/records/indexes').expect(200)).body).toEqual({ items: [] });
      });
      return;
    }

    it('creates, lists and drops indexes, up to TENANT_MAX_INDEXES, and refuses duplicates under a unique one', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      const created = await api
        .post('/org/records/indexes')
        .send({ keys: { status: 1, 'due.at': -1 } })
        .expect(201);
      expect(created.body).toEqual({ name: 'status_1_due.at_-1', keys: { status: 1, 'due.at': -1 }, unique: false });
      const unique = await api
        .post('/org/records/indexes')
        .send({ keys: { email: 1 }, unique: true })
        .expect(201);
      expect(unique.body).toEqual({ name: 'email_1_unique', keys: { email: 1 }, unique: true });
      expectError(await api.post('/org/records/indexes').send({ keys: { status: 1, 'due.at': -1 } }), 409, /exists already/);
      // Listed by name.
      expect((await api.get('/org/records/indexes').expect(200)).body.items).toEqual([unique.body, created.body]);

      // Unique: a second record with the same value is refused and not stored; records without the path never conflict.
      const first = await api.post('/org/records').send({ email: 'a@acme.example' }).expect(201);
      expectError(await api.post('/org/records').send({ email: 'a@acme.example' }), 409, /unique index/);
      await api.post('/org/records').send({ other: 1 }).expect(201);
      await api.post('/org/records').send({ other: 2 }).expect(201);
      const second = await api.post('/org/records').send({ email: 'b@acme.example' }).expect(201);
      expectError(await api.put(`/org/records/${second.body.id}`).send({ email: 'a@acme.example' }), 409, /unique index/);
      const data = await storedData(t, owner);
      expect(data.size).toBe(4);
      expect(data.get(first.body.id)).toEqual({ email: 'a@acme.example' });
      expect(data.get(second.body.id)).toEqual({ email: 'b@acme.example' });
      // Quota usage counts only what was stored.
      const detail = await t.http().get(`/platform/organizations/${owner.org.id}`).set(OPERATOR).expect(200);
      expect(detail.body.usage.documents).toBe(4);

      // The limit: 3 here.
      await api
        .post('/org/records/indexes')
        .send({ keys: { n: 1 } })
        .expect(201);
      expectError(await api.post('/org/records/indexes').send({ keys: { m: 1 } }), 409, /as many indexes/);
      await api.delete('/org/records/indexes/n_1').expect(204);
      expectError(await api.delete('/org/records/indexes/n_1'), 404, 'Index not found');
      expectError(await api.delete('/org/records/indexes/_id_'), 404, 'Index not found');
      expect((await api.get('/org/records/indexes').expect(200)).body.items.map(({ name }: { name: string }) => name)).toEqual([
        'email_1_unique',
        'status_1_due.at_-1',
      ]);
    });

    it('refuses a unique index over records that already share a value, and bad keys with 400', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      await api.post('/org/records').send({ code: 'X' }).expect(201);
      await api.post('/org/records').send({ code: 'X' }).expect(201);
      expectError(await api.post('/org/records/indexes').send({ keys: { code: 1 }, unique: true }), 409, /unique index/);
      expect((await api.get('/org/records/indexes').expect(200)).body.items).toEqual([]);
      for (const keys of [{}, { a: 1, b: 1, c: 1, d: 1 }, { $where: 1 }, { 'a..b': 1 }, { a: 2 }, { 'a.b.c.d.e.f': 1 }, 'status']) {
        expectError(await api.post('/org/records/indexes').send({ keys }), 400);
      }
    });

    it('lets only admins change indexes', async () => {
      const owner = await createOrgWithToken(t);
      const key = await t.withToken(owner.token).post('/org/api-keys').send({ name: 'ci', role: 'member' }).expect(201);
      expectError(
        await t
          .withToken(key.body.key)
          .post('/org/records/indexes')
          .send({ keys: { status: 1 } }),
        403,
      );
    });
  });

  describe('batch create', () => {
    it('creates valid records and reports each invalid one in place', async () => {
      const owner = await createOrgWithToken(t);
      const res = await t
        .withToken(owner.token)
        .post('/org/records/batch')
        .send({ records: [{ n: 1 }, { $bad: 1 }, { n: 3 }, { 'a.b': 1 }] })
        .expect(201);
      expect(res.body.items).toEqual([
        { id: expect.stringMatching(/^[0-9a-f]{24}$/) },
        { error: { statusCode: 400, message: expect.stringContaining('$') } },
        { id: expect.stringMatching(/^[0-9a-f]{24}$/) },
        { error: { statusCode: 400, message: expect.any(String) } },
      ]);
      const data = await storedData(t, owner);
      expect([...data.values()]).toEqual(expect.arrayContaining([{ n: 1 }, { n: 3 }]));
      expect(data.size).toBe(2);
    });

    it('refuses more than 1,000 records or 1 MiB with 4xx and writes nothing', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      expectError(await api.post('/org/records/batch').send({ records: Array.from({ length: 1001 }, (_, n) => ({ n })) }), 400);
      const big = 'x'.repeat(60_000);
      expectError(await api.post('/org/records/batch').send({ records: Array.from({ length: 20 }, () => ({ big })) }), 413);
      expectError(await api.post('/org/records/batch').send({ records: [] }), 400);
      expect((await storedData(t, owner)).size).toBe(0);
    });
  });

  describe('quotas', () => {
    it('refuses writes past max_documents with 403 and writes nothing, exactly at the limit under concurrency', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      const quota = await t
        .http()
        .put(`/platform/organizations/${owner.org.id}/quota`)
        .set(OPERATOR)
        .send({ max_documents: 10 })
        .expect(200);
      expect(quota.body).toEqual({ max_documents: 10, max_bytes: 1024 ** 3 });
      expect((await api.get('/org/collection/stats').expect(200)).body.quota).toEqual(quota.body);
      const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => api.post('/org/records').send({ n })));
      expect(answers.filter(({ status }) => status === 201)).toHaveLength(10);
      for (const refused of answers.filter(({ status }) => status !== 201)) expectError(refused, 403, 'Quota exceeded');
      expect((await storedData(t, owner)).size).toBe(10);
      // A batch over the quota writes none of its records.
      expectError(await api.post('/org/records/batch').send({ records: [{ n: 'x' }] }), 403, 'Quota exceeded');
      // Deleting one makes room for one.
      const first = [...(await storedData(t, owner)).keys()][0];
      await api.delete(`/org/records/${first}`).expect(204);
      await api.post('/org/records').send({ again: true }).expect(201);
      expectError(await api.post('/org/records').send({ again: true }), 403, 'Quota exceeded');
      const detail = await t.http().get(`/platform/organizations/${owner.org.id}`).set(OPERATOR).expect(200);
      expect(detail.body).toMatchObject({ quota: { max_documents: 10 }, usage: { documents: 10 } });
    });

    it('counts bytes of record data against max_bytes; a limit left out goes back to the default', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      await t.http().put(`/platform/organizations/${owner.org.id}/quota`).set(OPERATOR).send({ max_bytes: 2048 }).expect(200);
      await api
        .post('/org/records')
        .send({ blob: 'x'.repeat(1500) })
        .expect(201);
      expectError(await api.post('/org/records').send({ blob: 'y'.repeat(600) }), 403, 'Quota exceeded');
      await api
        .post('/org/records')
        .send({ blob: 'z'.repeat(400) })
        .expect(201);
      expect((await storedData(t, owner)).size).toBe(2);
      const reset = await t.http().put(`/platform/organizations/${owner.org.id}/quota`).set(OPERATOR).send({}).expect(200);
      expect(reset.body).toEqual({ max_documents: 1_000_000, max_bytes: 1024 ** 3 });
      await api
        .post('/org/records')
        .send({ blob: 'y'.repeat(600) })
        .expect(201);
    });

    it('validates quota changes and answers 404 for an unknown organization', async () => {
      const owner = await createOrgWithToken(t);
      for (const body of [{ max_documents: 0 }, { max_documents: 'ten' }, { max_bytes: 10 }, { max_documents: 1.5 }, { other: 1 }]) {
        expectError(await t.http().put(`/platform/organizations/${owner.org.id}/quota`).set(OPERATOR).send(body), 400);
      }
      expectError(await t.http().put(`/platform/organizations/${new Types.ObjectId().toHexString()}/quota`).set(OPERATOR).send({}), 404);
      expectError(await t.withToken(owner.token).put(`/platform/organizations/${owner.org.id}/quota`).send({}), 401);
    });
  });

  describe('export and import', () => {
    it('round-trips: export, delete all, import, export again gives the same lines', async () => {
      const owner = await createOrgWithToken(t);
      const api = t.withToken(owner.token);
      for (const half of [0, 600]) {
        const records = Array.from({ length: 600 }, (_, n) => ({ n: half + n, tags: ['a', String(n % 7)], nested: { even: n % 2 === 0 } }));
        await api.post('/org/records/batch').send({ records }).expect(201);
      }
      const first = await exportOf(t, owner).expect(200);
      expect(first.headers['content-type']).toContain(NDJSON);
      const exported = lines(first.body);
      expect(exported[0]).toMatchObject({ type: 'organization', id: owner.org.id, organization_name: owner.org.organization_name });
      expect(exported.filter(({ type }) => type === 'member')).toEqual([
        expect.objectContaining({ email: owner.input.email, role: 'owner' }),
      ]);
      const records = exported.filter(({ type }) => type === 'record');
      expect(records).toHaveLength(1200);
      expect(records.map(({ id }) => id)).toEqual(records.map(({ id }) => id).sort());

      await t.db.collectionAt(owner.org.placement).deleteMany({ org_id: new Types.ObjectId(owner.org.id) });
      expect((await storedData(t, owner)).size).toBe(0);
      const imported = await importInto(t, owner, first.body).expect(200);
      expect(imported.body).toEqual({ imported: 1200, replaced: 0, failed: [], failures_not_listed: 0 });
      const again = await exportOf(t, owner).expect(200);
      expect(lines(again.body).filter(({ type }) => type === 'record')).toEqual(records);

      // A repeated import changes nothing (a part of it: on FerretDB's SQLite backend each replacement scans).
      const part = first.body.split('\n').slice(0, 152).join('\n');
      const repeated = await importInto(t, owner, part).expect(200);
      expect(repeated.body).toEqual({ imported: 0, replaced: 150, failed: [], failures_not_listed: 0 });
      expect(lines((await exportOf(t, owner).expect(200)).body).filter(({ type }) => type === 'record')).toEqual(records);
    });

    it('reports malformed lines by number and imports the others; resumes by sending the rest', async () => {
      const owner = await createOrgWithToken(t);
      const id = () => new Types.ObjectId().toHexString();
      const good = Array.from({ length: 4 }, (_, n) => JSON.stringify({ type: 'record', id: id(), data: { n } }));
      const body = [
        good[0],
        '{not json',
        JSON.stringify({ type: 'record', id: 'nope', data: {} }),
        '',
        good[1],
        JSON.stringify({ type: 'record', id: id(), data: { $gt: 1 } }),
        JSON.stringify({ type: 'record', id: id(), data: [] }),
        JSON.stringify({ type: 'record', id: id(), data: {}, extra: 1 }),
        JSON.stringify({ type: 'record', id: id(), data: {}, created_at: 'yesterday' }),
        JSON.stringify({ type: 'something' }),
      ].join('\n');
      const res = await importInto(t, owner, body).expect(200);
      expect(res.body).toEqual({
        imported: 2,
        replaced: 0,
        failed: [
          { line: 2, message: 'The line is not valid JSON' },
          { line: 3, message: expect.stringContaining('id') },
          { line: 6, message: expect.stringContaining('data') },
          { line: 7, message: expect.stringContaining('data') },
          { line: 8, message: 'Unknown field extra' },
          { line: 9, message: expect.stringContaining('created_at') },
          { line: 10, message: expect.stringContaining('type') },
        ],
        failures_not_listed: 0,
      });
      // The connection dropped after the first two: sending the rest completes the import.
      const rest = await importInto(t, owner, good.join('\n')).expect(200);
      expect(rest.body).toMatchObject({ imported: 2, replaced: 2, failed: [] });
      expect((await storedData(t, owner)).size).toBe(4);
    });

    it('refuses other media types and imports past the quota line by line', async () => {
      const owner = await createOrgWithToken(t);
      expectError(await t.withToken(owner.token).post('/org/import').send({ type: 'record' }), 415);
      await t.http().put(`/platform/organizations/${owner.org.id}/quota`).set(OPERATOR).send({ max_documents: 3 }).expect(200);
      const body = Array.from({ length: 5 }, (_, n) =>
        JSON.stringify({ type: 'record', id: new Types.ObjectId().toHexString(), data: { n } }),
      ).join('\n');
      const res = await importInto(t, owner, body).expect(200);
      expect(res.body).toEqual({
        imported: 3,
        replaced: 0,
        failed: [
          { line: 4, message: 'Quota exceeded' },
          { line: 5, message: 'Quota exceeded' },
        ],
        failures_not_listed: 0,
      });
      expect((await storedData(t, owner)).size).toBe(3);
    });

    it('needs an admin', async () => {
      const owner = await createOrgWithToken(t);
      const key = await t.withToken(owner.token).post('/org/api-keys').send({ name: 'ci', role: 'member' }).expect(201);
      expectError(await t.withToken(key.body.key).get('/org/export'), 403);
      expectError(await t.withToken(key.body.key).post('/org/import').set('content-type', NDJSON).send('{}'), 403);
    });
  });
});

describe('quotas across two instances (e2e)', () => {
  const first = useTestApp();
  const second = useTestApp({}, { onDatabasesOf: first });

  it('an instance counts the writes another acknowledged; at once, each holds its own claims', async () => {
    const owner = await createOrgWithToken(first);
    await first.http().put(`/platform/organizations/${owner.org.id}/quota`).set(OPERATOR).send({ max_documents: 10 }).expect(200);
    // Acknowledged through the first: the ledger holds them before the answers.
    for (let n = 0; n < 6; n += 1) await first.withToken(owner.token).post('/org/records').send({ n }).expect(201);
    const through = await Promise.all(Array.from({ length: 8 }, (_, n) => second.withToken(owner.token).post('/org/records').send({ n })));
    expect(through.filter(({ status }) => status === 201)).toHaveLength(4);
    for (const refused of through.filter(({ status }) => status !== 201)) expectError(refused, 403, 'Quota exceeded');
    expect((await storedData(first, owner)).size).toBe(10);

    // Concurrent writes through both: each instance alone never passes the quota, so together at most 2 x 10 (README: the bound).
    const other = await createOrgWithToken(first);
    await first.http().put(`/platform/organizations/${other.org.id}/quota`).set(OPERATOR).send({ max_documents: 10 }).expect(200);
    const both = await Promise.all(
      Array.from({ length: 30 }, (_, n) => (n % 2 === 0 ? first : second).withToken(other.token).post('/org/records').send({ n })),
    );
    const stored = (await storedData(first, other)).size;
    expect(stored).toBe(both.filter(({ status }) => status === 201).length);
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThanOrEqual(20);
    // Once both instances' increments are in, neither accepts another.
    expectError(await second.withToken(other.token).post('/org/records').send({ late: true }), 403, 'Quota exceeded');
    const usage = await first.http().get(`/platform/organizations/${other.org.id}`).set(OPERATOR).expect(200);
    expect(usage.body.usage.documents).toBe(stored);
  });
});
