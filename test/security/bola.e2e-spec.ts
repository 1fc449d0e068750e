import { Types } from 'mongoose';
import { useOrgWithToken, useTestApp } from '../support/session.js';

type Method = 'get' | 'post' | 'put' | 'delete';

interface Attack {
  label: string;
  method: Method;
  /** `:id` is org A's record id, `:name` org A's name. */
  path: string;
  body?: Record<string, unknown>;
  status: number;
}

const SECRET = 'secret-of-org-a';

describe('cross-tenant access: org B against org A (e2e)', () => {
  const t = useTestApp();
  const a = useOrgWithToken(t);
  const b = useOrgWithToken(t);
  let recordIdOfA: string;

  /** Everything of org A: its organization and admin documents and its collection's documents. */
  async function stateOfA() {
    const orgId = new Types.ObjectId(a.org.id as string);
    return {
      organization: await t.db.master.collection('organizations').findOne({ _id: orgId }),
      admins: await t.db.master.collection('members').find({ org_id: orgId }).toArray(),
      records: await t.db.tenant
        .collection(a.org.collection_name as string)
        .find()
        .sort({ _id: 1 })
        .toArray(),
    };
  }

  beforeAll(async () => {
    const record = await t.withToken(a.token).post('/org/records').send({ note: SECRET }).expect(201);
    recordIdOfA = record.body.id;
    await t.withToken(b.token).post('/org/records').send({ note: 'b' }).expect(201);
  });

  const attacks: Attack[] = [
    { label: 'read A’s record by id', method: 'get', path: '/org/records/:id', status: 404 },
    { label: 'replace A’s record by id', method: 'put', path: '/org/records/:id', body: { note: 'overwritten by B' }, status: 404 },
    { label: 'delete A’s record by id', method: 'delete', path: '/org/records/:id', status: 404 },
    {
      label: 'list records starting before A’s record id',
      method: 'get',
      path: '/org/records?cursor=000000000000000000000000&limit=100',
      status: 200,
    },
    { label: 'write a record (lands in B’s collection)', method: 'post', path: '/org/records', body: { note: 'from b' }, status: 201 },
    { label: 'read collection stats', method: 'get', path: '/org/collection/stats', status: 200 },
    { label: 'delete A by name in the query', method: 'delete', path: '/org/delete?organization_name=:name', status: 403 },
    { label: 'delete A by name in the body', method: 'delete', path: '/org/delete', body: { organization_name: ':name' }, status: 403 },
    {
      label: 'delete A by a same-slug spelling of its name',
      method: 'delete',
      path: '/org/delete',
      body: { organization_name: ' :NAME ' },
      status: 403,
    },
    { label: 'rename B to A’s name', method: 'put', path: '/org/update', body: { organization_name: ':name' }, status: 409 },
  ];

  const fill = (text: string) =>
    text.replace(':id', recordIdOfA).replace(':NAME', a.input.organization_name.toUpperCase()).replace(':name', a.input.organization_name);

  it.each(attacks)('$label with B’s token: $status, nothing of A read, changed or revealed', async ({ method, path, body, status }) => {
    const before = await stateOfA();
    const request = t.withToken(b.token)[method](fill(path));
    const response = await (body ? request.send(JSON.parse(fill(JSON.stringify(body)))) : request);
    expect(response.status).toBe(status);
    const text = JSON.stringify(response.body);
    for (const secret of [SECRET, recordIdOfA, a.org.id, a.org.collection_name, a.input.email]) {
      expect(text).not.toContain(secret);
    }
    expect(await stateOfA()).toEqual(before);
  });

  it('leaves A whole and working: its token, its record and its name', async () => {
    const record = await t.withToken(a.token).get(`/org/records/${recordIdOfA}`).expect(200);
    expect(record.body.data).toEqual({ note: SECRET });
    const stats = await t.withToken(a.token).get('/org/collection/stats').expect(200);
    expect(stats.body).toMatchObject({ collection_name: a.org.collection_name, documents: 1 });
    const found = await t.http().get('/org/get').query({ organization_name: a.input.organization_name }).expect(200);
    expect(found.body.id).toBe(a.org.id);
  });
});
