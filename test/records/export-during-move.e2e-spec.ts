import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import { moveTo } from '../support/placement.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** Enough records that the export's answer outgrows the socket's buffers, so the service waits for the reader between pages. */
const RECORDS = 20_000;
const PAD = 'x'.repeat(80);

type Session = ReturnType<typeof useTestApp>;

async function seed(t: Session, owner: OrgWithToken): Promise<Map<string, unknown>> {
  const expected = new Map<string, unknown>();
  for (let start = 0; start < RECORDS; start += 5000) {
    const now = new Date();
    const batch = Array.from({ length: 5000 }, (_, offset) => ({
      _id: new Types.ObjectId(),
      org_id: new Types.ObjectId(owner.org.id),
      data: { n: start + offset, pad: PAD },
      created_at: now,
      updated_at: now,
    }));
    await t.db.collectionAt(owner.org.placement).insertMany(batch);
    for (const { _id, data } of batch) expected.set(_id.toHexString(), data);
  }
  return expected;
}

/** GET /org/export on the app's own port, paused after its first chunk until `resume` is called. */
async function openExport(t: Session, token: string): Promise<{ response: IncomingMessage; first: Buffer; rest: () => Promise<string> }> {
  const server = t.app.getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/org/export', headers: { authorization: `Bearer ${token}` } }, resolve)
      .on('error', reject)
      .end();
  });
  expect(response.statusCode).toBe(200);
  const first = await new Promise<Buffer>((resolve) => response.once('data', resolve));
  response.pause();
  const rest = async () => {
    const chunks: Buffer[] = [first];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  return { response, first, rest };
}

function exportedRecords(text: string): { id: string; data: unknown }[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter(({ type }) => type === 'record');
}

/** Every record once, in `_id` order, with its data. */
function expectComplete(records: { id: string; data: unknown }[], expected: Map<string, unknown>): void {
  expect(records).toHaveLength(expected.size);
  const ids = records.map(({ id }) => id);
  expect(ids).toEqual([...ids].sort());
  for (const { id, data } of records) expect(data).toEqual(expected.get(id));
}

describe('an export while the organization moves or is renamed (e2e)', () => {
  const t = useTestApp();

  it('is complete and in order when the placement switches, and the source is dropped, mid-export', async () => {
    const owner = await createOrgWithToken(t);
    const expected = await seed(t, owner);
    const exporting = await openExport(t, owner.token);
    // The export is under way (its first records sent) when the move copies, switches and drops the source.
    await moveTo(t, owner.org.id, { mode: 'shared' });
    expectComplete(exportedRecords(await exporting.rest()), expected);
  });

  it('is complete and in order when the organization is renamed mid-export', async () => {
    const owner = await createOrgWithToken(t);
    const expected = await seed(t, owner);
    const exporting = await openExport(t, owner.token);
    await t
      .withToken(owner.token)
      .put('/org/update')
      .send({ organization_name: uniqueOrg('Renamed').organization_name })
      .expect(200);
    expectComplete(exportedRecords(await exporting.rest()), expected);
  });
});
