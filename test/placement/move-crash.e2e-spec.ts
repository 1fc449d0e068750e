import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { freePort, RunningFerretDb, startFerretDb } from '../../scripts/ferretdb.mjs';
import { CRASH_POINTS, CrashPoint } from '../../src/common/faults/crash-points.js';
import { AppConfig } from '../../src/config/app-config.js';
import { DirectDatabases, openDatabases } from '../support/direct-db.js';
import { expectError } from '../support/expect-error.js';
import { FetchClient, fetchClient } from '../support/fetch-client.js';
import { waitFor } from '../support/lifecycle-state.js';
import type { PlacementView } from '../support/placement.js';
import { ServiceProcess, startServiceProcess } from '../support/service-process.js';
import { createOrgWithTokenVia } from '../support/session.js';
import { dropDatabases, TEST_OPERATOR_KEY, testEnvironment, twoClusters, uniqueOrg } from '../support/test-app.js';

/**
 * Live moves interrupted by a crash of the built service at every move crash point, and by an
 * outage of the target cluster: recovery ends each move rolled back (before the placement switch)
 * or done (after it), with exactly the acknowledged documents live in one placement and none of
 * the organization's documents left in the other.
 */

type Target = { mode: PlacementView['mode']; cluster: string };
type MoveCrashPoint = Extract<CrashPoint, `move.${string}`>;

interface Scenario {
  point: MoveCrashPoint;
  /** Where the organization is created (DEFAULT_PLACEMENT / DEFAULT_CLUSTER). */
  from: Target;
  to: Target;
  outcome: 'rolled_back' | 'done';
}

/** `mode@cluster`, e.g. `shared@b`. */
function at(where: string): Target {
  const [mode, cluster] = where.split('@');
  return { mode: mode as Target['mode'], cluster };
}

/** Every direction crosses clusters; the modes vary so each mode is a source and a target. */
const SCENARIOS: Scenario[] = (
  [
    ['move.after-start', 'collection@default', 'shared@b', 'rolled_back'],
    ['move.mid-copy', 'shared@default', 'database@b', 'rolled_back'],
    ['move.after-copy', 'database@b', 'collection@default', 'rolled_back'],
    ['move.in-cutover', 'collection@b', 'shared@default', 'rolled_back'],
    ['move.after-switch', 'shared@b', 'collection@default', 'done'],
    ['move.after-drop-source', 'database@default', 'shared@b', 'done'],
    ['move.after-audit', 'collection@default', 'database@b', 'done'],
  ] as const
).map(([point, from, to, outcome]) => ({ point, from: at(from), to: at(to), outcome }));

const MOVE_CRASH_POINTS = CRASH_POINTS.filter((point): point is MoveCrashPoint => point.startsWith('move.'));
/** More than one copy batch (1000), so that `move.mid-copy` is reached. */
const SEEDED_DOCUMENTS = 2500;
const OPERATOR = TEST_OPERATOR_KEY;
/** The id an operator key is named by in audit events: the first 12 hex of its SHA-256. */
const OPERATOR_ID = createHash('sha256').update(OPERATOR).digest('hex').slice(0, 12);
const CRASH_ENV = { LIFECYCLE_LEASE_SECONDS: '1', RECONCILE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' };

type Documents = Map<string, unknown>;

/** The organization's documents stored at `placement`, by id. */
async function storedAt(db: DirectDatabases, placement: PlacementView, orgId: string): Promise<Documents> {
  const documents = await db
    .collectionAt(placement)
    .find({ org_id: new Types.ObjectId(orgId) })
    .toArray();
  return new Map(documents.map(({ _id, data }) => [_id.toHexString(), data]));
}

/** The placement holds none of the organization's documents: its collection or database is gone, or, shared, none is its. */
async function expectNoCopyAt(db: DirectDatabases, placement: PlacementView, orgId: string): Promise<void> {
  if (placement.mode === 'shared') {
    expect(await db.collectionAt(placement).countDocuments({ org_id: new Types.ObjectId(orgId) })).toBe(0);
  } else if (placement.mode === 'database') {
    expect(await db.databasesOf(placement.cluster)).not.toContain(placement.database);
  } else {
    expect(await db.collectionsOf(placement.cluster, placement.database)).not.toContain(placement.collection);
  }
}

/** Seeds documents shaped as the records API stores them, directly into the placement's collection. */
async function seed(db: DirectDatabases, placement: PlacementView, orgId: string, count: number, into: Documents): Promise<void> {
  for (let start = 0; start < count; start += 5000) {
    const now = new Date();
    const batch = Array.from({ length: Math.min(5000, count - start) }, (_, offset) => ({
      _id: new Types.ObjectId(),
      org_id: new Types.ObjectId(orgId),
      data: { seeded: start + offset },
      created_at: now,
      updated_at: now,
    }));
    await db.collectionAt(placement).insertMany(batch, { ordered: false });
    for (const { _id, data } of batch) into.set(_id.toHexString(), data);
  }
}

/** Every record of the token's organization through the API, page by page, by id. */
async function recordsThroughApi(api: FetchClient, token: string): Promise<Documents> {
  const records: Documents = new Map();
  let cursor: string | null = null;
  do {
    const page = await api.request('GET', `/org/records?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(page.status).toBe(200);
    for (const { id, data } of page.body.items as { id: string; data: unknown }[]) records.set(id, data);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return records;
}

async function createRecord(api: FetchClient, token: string, data: unknown, into: Documents): Promise<string> {
  const created = await api.request('POST', '/org/records', { token, body: data });
  expect(created.status).toBe(201);
  into.set(created.body.id, data);
  return created.body.id;
}

/** The organization's `organization.placement_changed` events, newest first. */
async function placementEvents(api: FetchClient, token: string): Promise<Record<string, any>[]> {
  const res = await api.request('GET', '/org/audit?action=organization.placement_changed&limit=100', { token });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Polls the move until it is done or rolled back (`failed` is on the way to rolled back). */
function untilMoveSettles(api: FetchClient, moveId: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  let last: unknown;
  return waitFor(
    async () => {
      const res = await api.request('GET', `/platform/moves/${moveId}`, { token: OPERATOR });
      expect(res.status).toBe(200);
      last = res.body;
      return ['done', 'rolled_back'].includes(res.body.phase) ? res.body : undefined;
    },
    () => `move ${moveId} to be done or rolled back; last: ${JSON.stringify(last)}`,
    timeoutMs,
  );
}

/**
 * Inserts records one after another until the service stops answering. Remembers what was
 * acknowledged (201), and the data of the one insert in flight when the process died: it may or
 * may not have landed, so it alone may appear besides the acknowledged ones.
 */
class WriterUntilCrash {
  readonly acknowledged: Documents = new Map();
  readonly unanswered: unknown[] = [];
  readonly unexpected: number[] = [];
  private running = true;

  constructor(
    private readonly api: FetchClient,
    private readonly token: string,
  ) {}

  async run(): Promise<void> {
    for (let n = 0; this.running; n += 1) {
      const data = { during_move: n };
      let status: number;
      try {
        const res = await this.api.request('POST', '/org/records', { token: this.token, body: data, timeoutMs: 10_000 });
        status = res.status;
        if (status === 201) this.acknowledged.set(res.body.id, data);
      } catch {
        this.unanswered.push(data);
        return;
      }
      // 409: refused during the cutover, and undone.
      if (status !== 201 && status !== 409) this.unexpected.push(status);
      if (status === 409) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  stop(): void {
    this.running = false;
  }
}

/** `stored` holds every acknowledged document with its data, and besides them at most the unanswered writes. */
function expectAcknowledged(stored: Documents, acknowledged: Documents, unanswered: unknown[]): void {
  const extras = [...stored].filter(([id]) => !acknowledged.has(id));
  expect(extras.length).toBeLessThanOrEqual(unanswered.length);
  for (const [, data] of extras) expect(unanswered).toContainEqual(data);
  expect(new Map([...stored].filter(([id]) => acknowledged.has(id)))).toEqual(acknowledged);
}

/** How the process ended; fails (and stops it) when it has not died within the deadline, with its output and the move as stored. */
async function exitOf(service: ServiceProcess, db: DirectDatabases, orgId: string, timeoutMs = 60_000) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  const exited = await Promise.race([service.exited, deadline]).finally(() => clearTimeout(timer));
  if (exited) return exited;
  const move = await db.master.collection('moves').findOne({ org_id: new Types.ObjectId(orgId) });
  await service.stop();
  throw new Error(`The service did not crash within ${timeoutMs} ms; move: ${JSON.stringify(move)}\n${service.output()}`);
}

function clusterEnv(bUri: string): Record<string, string> {
  return { TENANT_CLUSTERS: `default=${process.env.MONGODB_URI ?? ''},b=${bUri}` };
}

describe('crash-safe live moves (built service, killed at every move crash point)', () => {
  it('has a scenario for every move crash point', () => {
    expect(new Set(SCENARIOS.map(({ point }) => point))).toEqual(new Set(MOVE_CRASH_POINTS));
    expect(SCENARIOS).toHaveLength(MOVE_CRASH_POINTS.length);
  });

  it.each(
    SCENARIOS.map(
      (scenario) =>
        [
          `${scenario.point} (${scenario.from.mode}@${scenario.from.cluster} -> ${scenario.to.mode}@${scenario.to.cluster})`,
          scenario,
        ] as const,
    ),
  )(
    'recovers after a crash at %s',
    async (_title, { point, from, to, outcome }) => {
      const env = testEnvironment(twoClusters({ ...CRASH_ENV, DEFAULT_PLACEMENT: from.mode, DEFAULT_CLUSTER: from.cluster }));
      const config = AppConfig.fromEnvironment(env);
      const db = await openDatabases(config);
      let service: ServiceProcess | undefined;
      try {
        service = await startServiceProcess({ ...env, TEST_CRASH_POINT: point });
        let api = fetchClient(service.baseUrl);

        // A bystander in the same placement (the same shared collection, in shared mode).
        const bystander = await createOrgWithTokenVia(api, uniqueOrg('Bystander'));
        const bystanderRecords: Documents = new Map();
        for (let i = 0; i < 3; i += 1) await createRecord(api, bystander.token, { bystander: i }, bystanderRecords);

        const subject = await createOrgWithTokenVia(api, uniqueOrg('Subject'));
        const orgId = subject.org.id as string;
        const source = subject.org.placement as PlacementView;
        expect(source).toMatchObject(from);
        const acknowledged: Documents = new Map();
        await seed(db, source, orgId, SEEDED_DOCUMENTS, acknowledged);
        for (let i = 0; i < 3; i += 1) await createRecord(api, subject.token, { through_api: i }, acknowledged);

        const writer = new WriterUntilCrash(api, subject.token);
        const writing = writer.run();
        // At `move.after-start` the process dies before it answers the request.
        const requested = await api
          .request('POST', `/platform/organizations/${orgId}/placement`, { token: OPERATOR, body: to })
          .catch(() => undefined);
        if (requested) expect(requested.status).toBe(202);
        expect(await exitOf(service, db, orgId)).toEqual({ code: null, signal: 'SIGKILL' });
        writer.stop();
        await writing;
        expect(writer.unexpected).toEqual([]);
        for (const [id, data] of writer.acknowledged) acknowledged.set(id, data);
        const stored = await db.master.collection('moves').findOne({ org_id: new Types.ObjectId(orgId) });
        expect(stored).not.toBeNull();
        const moveId = stored!._id.toHexString();
        if (requested) expect(requested.body.id).toBe(moveId);
        // The crash left the move unfinished.
        if (!['copying', 'catching_up', 'cutover', 'cleaning_up'].includes(stored!.phase)) {
          throw new Error(`The crash left the move ${JSON.stringify(stored)}, not unfinished:\n${service.output()}`);
        }

        service = await startServiceProcess(env);
        api = fetchClient(service.baseUrl);
        const move = await untilMoveSettles(api, moveId);
        expect(move).toMatchObject({
          id: moveId,
          org_id: orgId,
          from: source,
          to: { ...to },
          phase: outcome,
          finished_at: expect.any(String),
        });
        const [live, other] = (outcome === 'done' ? [move.to, move.from] : [move.from, move.to]) as [PlacementView, PlacementView];

        // The organization is in exactly one placement, and free for other operations.
        const org = await api.request('GET', `/platform/organizations/${orgId}`, { token: OPERATOR });
        expect(org.status).toBe(200);
        expect(org.body).toMatchObject({ status: 'active', placement: live });
        const orgDoc = await db.master.collection('organizations').findOne({ _id: new Types.ObjectId(orgId) });
        expect(orgDoc?.move ?? null).toBeNull();
        expect(await db.master.collection('move_journal').countDocuments({ move_id: new Types.ObjectId(moveId) })).toBe(0);
        const documents = await storedAt(db, live, orgId);
        expectAcknowledged(documents, acknowledged, writer.unanswered);
        await expectNoCopyAt(db, other, orgId);
        // From here on, what is stored is what the organization holds (an unanswered insert may have landed).
        const expected = documents;

        // Recorded once when the move was finished (by the operator who asked for it), not at all when it was rolled back.
        const recorded = await placementEvents(api, subject.token);
        if (outcome === 'rolled_back') expect(recorded).toEqual([]);
        else {
          expect(recorded).toHaveLength(1);
          expect(recorded[0]).toMatchObject({
            actor: { type: 'operator', id: OPERATOR_ID },
            target: { type: 'organization', id: orgId },
            details: { move_id: moveId, from: { mode: from.mode, cluster: from.cluster }, to: { ...to } },
          });
        }

        // The bystander is untouched.
        expect(await storedAt(db, bystander.org.placement, bystander.org.id)).toEqual(bystanderRecords);
        expect(await recordsThroughApi(api, bystander.token)).toEqual(bystanderRecords);

        // Records routes work on the live placement.
        expect(await recordsThroughApi(api, subject.token)).toEqual(expected);
        const afterId = await createRecord(api, subject.token, { after: 'recovery' }, expected);
        const read = await api.request('GET', `/org/records/${afterId}`, { token: subject.token });
        expect(read.status).toBe(200);
        expect(read.body.data).toEqual({ after: 'recovery' });
        expect(await storedAt(db, live, orgId)).toEqual(expected);

        // A new move starts (the organization's `move` was cleared) and completes: to the other placement.
        const again = await api.request('POST', `/platform/organizations/${orgId}/placement`, {
          token: OPERATOR,
          body: { mode: other.mode, cluster: other.cluster },
        });
        expect(again.status).toBe(202);
        expect(await untilMoveSettles(api, again.body.id, 60_000)).toMatchObject({ phase: 'done', from: live, to: other });
        expect(await storedAt(db, other, orgId)).toEqual(expected);
        await expectNoCopyAt(db, live, orgId);
        expect(await recordsThroughApi(api, subject.token)).toEqual(expected);
        const events = await placementEvents(api, subject.token);
        expect(events.map(({ details }) => details.move_id)).toEqual(outcome === 'done' ? [again.body.id, moveId] : [again.body.id]);
      } finally {
        await service?.stop();
        await db.close();
        await dropDatabases(config);
      }
    },
    120_000,
  );
});

/** A FerretDB of the test's own as cluster `b`, which the test stops and starts again on the same port and data. */
class OwnCluster {
  private server: RunningFerretDb | undefined;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(): Promise<OwnCluster> {
    const cluster = new OwnCluster(await freePort(), mkdtempSync(join(tmpdir(), 'move-crash-b-')));
    await cluster.up();
    return cluster;
  }

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  async up(): Promise<void> {
    this.server = await startFerretDb({ port: this.port, dataDir: this.dataDir });
  }

  /**
   * An outage at once: FerretDB is killed (a graceful stop lets a copy in flight go on for a while,
   * long enough to finish a small one), then the rest of the server is stopped.
   */
  async down(): Promise<void> {
    if (this.server) process.kill(this.server.pid, 'SIGKILL');
    await this.server?.stop();
    this.server = undefined;
  }

  async remove(): Promise<void> {
    await this.down();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

describe('moves and an unreachable cluster (built service, own FerretDB as cluster b)', () => {
  it('rolls back when the target cluster stops mid-copy, and serves the organization from its source throughout', async () => {
    const clusterB = await OwnCluster.start();
    const env = testEnvironment({ ...clusterEnv(clusterB.uri), ...CRASH_ENV });
    const config = AppConfig.fromEnvironment(env);
    const db = await openDatabases(config);
    let service: ServiceProcess | undefined;
    try {
      service = await startServiceProcess(env);
      const api = fetchClient(service.baseUrl);
      const owner = await createOrgWithTokenVia(api, uniqueOrg('Outage move'));
      const orgId = owner.org.id as string;
      const source = owner.org.placement as PlacementView;
      expect(source).toMatchObject({ mode: 'collection', cluster: 'default' });
      const expected: Documents = new Map();
      await seed(db, source, orgId, 40_000, expected);
      const probeId = await createRecord(api, owner.token, { probe: true }, expected);
      /** The organization is served from its source: a read by id and a page. */
      const expectServed = async () => {
        const read = await api.request('GET', `/org/records/${probeId}`, { token: owner.token });
        expect({ status: read.status, body: read.body }).toMatchObject({ status: 200, body: { data: { probe: true } } });
        const page = await api.request('GET', '/org/records?limit=5', { token: owner.token });
        expect({ status: page.status, body: page.body }).toMatchObject({ status: 200 });
      };

      const started = await api.request('POST', `/platform/organizations/${orgId}/placement`, {
        token: OPERATOR,
        body: { mode: 'collection', cluster: 'b' },
      });
      expect(started.status).toBe(202);
      const moveId = started.body.id as string;
      const target = started.body.to as PlacementView;
      const copying = await waitFor(
        async () => {
          const res = await api.request('GET', `/platform/moves/${moveId}`, { token: OPERATOR });
          return res.body.documents_copied > 0 ? res.body : undefined;
        },
        () => 'the copy to begin',
        30_000,
      );
      expect(copying.phase).toBe('copying');
      await clusterB.down();
      // The scenario needs the outage before the switch: a copy that finished first tests something else.
      const atOutage = (await api.request('GET', `/platform/moves/${moveId}`, { token: OPERATOR })).body;
      expect({ phase: atOutage.phase }).not.toMatchObject({ phase: expect.stringMatching(/^(cleaning_up|done)$/) });

      let last: Record<string, any> | undefined;
      const failed = await waitFor(
        async () => {
          await expectServed();
          last = (await api.request('GET', `/platform/moves/${moveId}`, { token: OPERATOR })).body;
          return ['failed', 'rolled_back'].includes(last!.phase) ? last : undefined;
        },
        () => `the move to fail; last: ${JSON.stringify(last)}`,
        30_000,
      );
      expect(failed.error).toEqual(expect.any(String));
      // The organization never left its source, which holds everything, and takes writes again.
      const org = await waitFor(
        async () => {
          const stored = await db.master.collection('organizations').findOne({ _id: new Types.ObjectId(orgId) });
          return stored && !stored.move ? stored : undefined;
        },
        () => 'the organization to leave the failed move',
      );
      expect(org.placement).toEqual(source);
      expect((await api.request('GET', `/platform/organizations/${orgId}`, { token: OPERATOR })).body.placement).toEqual(source);
      expect(await storedAt(db, source, orgId)).toEqual(expected);
      await expectServed();
      const writtenId = await createRecord(api, owner.token, { during: 'outage of b' }, expected);
      expect((await api.request('GET', `/org/records/${writtenId}`, { token: owner.token })).body.data).toEqual({ during: 'outage of b' });

      // Back up: the reconciler removes what the copy left on b.
      await clusterB.up();
      const rolledBack = await untilMoveSettles(api, moveId, 60_000);
      expect(rolledBack.phase).toBe('rolled_back');
      await expectNoCopyAt(db, target, orgId);
      expect(await storedAt(db, source, orgId)).toEqual(expected);
      await expectServed();
    } finally {
      await service?.stop();
      await db.close();
      await dropDatabases(config).catch(() => undefined);
      await clusterB.remove();
    }
  }, 180_000);

  it('answers 503 for an organization on an unreachable cluster while the other cluster’s organizations are served', async () => {
    const clusterB = await OwnCluster.start();
    const env = testEnvironment({ ...clusterEnv(clusterB.uri), LOG_LEVEL: 'warn' });
    const config = AppConfig.fromEnvironment(env);
    const db = await openDatabases(config);
    let service: ServiceProcess | undefined;
    try {
      service = await startServiceProcess(env);
      const api = fetchClient(service.baseUrl);
      const x = await createOrgWithTokenVia(api, uniqueOrg('On b'));
      const y = await createOrgWithTokenVia(api, uniqueOrg('On default'));
      const moved = await api.request('POST', `/platform/organizations/${x.org.id}/placement`, {
        token: OPERATOR,
        body: { mode: 'collection', cluster: 'b' },
      });
      expect(moved.status).toBe(202);
      expect(await untilMoveSettles(api, moved.body.id)).toMatchObject({ phase: 'done', to: { cluster: 'b' } });
      const xRecords: Documents = new Map();
      const yRecords: Documents = new Map();
      const xRecord = await createRecord(api, x.token, { on: 'b' }, xRecords);
      await createRecord(api, y.token, { on: 'default' }, yRecords);

      await clusterB.down();
      const xDuring = await api.request('GET', '/org/records', { token: x.token, timeoutMs: 10_000 });
      expectError(xDuring, 503);
      expect(xDuring.headers['retry-after']).toMatch(/^\d+$/);
      const xRead = await api.request('GET', `/org/records/${xRecord}`, { token: x.token, timeoutMs: 10_000 });
      expectError(xRead, 503);
      expect(xRead.headers['retry-after']).toMatch(/^\d+$/);
      expect(await recordsThroughApi(api, y.token)).toEqual(yRecords);
      await createRecord(api, y.token, { still: 'served' }, yRecords);
      const ready = await api.request('GET', '/health/ready', { timeoutMs: 10_000 });
      expect(ready.status).toBe(200);
      expect(ready.body.clusters).toEqual({ default: { reachable: true }, b: { reachable: false } });

      await clusterB.up();
      await waitFor(
        async () => ((await api.request('GET', '/org/records', { token: x.token })).status === 200 ? true : undefined),
        () => 'the organization on b to be served again',
        30_000,
      );
      expect(await recordsThroughApi(api, x.token)).toEqual(xRecords);
      await createRecord(api, x.token, { after: 'outage' }, xRecords);
      expect(await recordsThroughApi(api, x.token)).toEqual(xRecords);
      expect((await api.request('GET', '/health/ready')).body.clusters).toEqual({ default: { reachable: true }, b: { reachable: true } });
    } finally {
      await service?.stop();
      await db.close();
      await dropDatabases(config).catch(() => undefined);
      await clusterB.remove();
    }
  }, 120_000);
});
