import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import { Types } from 'mongoose';
import { TenantStorage } from '../../src/tenants/tenant-storage.service.js';
import { expectError } from '../support/expect-error.js';
import { bearer } from '../support/fetch-client.js';
import { organizationOf, type PlacementView, requestMove, storedAt, untilMoveEnds } from '../support/placement.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY, twoClusters } from '../support/test-app.js';

/** Documents the organization holds before each move, so that its copy takes a while. */
const SEEDED_DOCUMENTS = 3000;
const WRITERS = 3;
/** Clock granularity between the service's timestamps and the writers' own. */
const SLACK_MS = 50;
/** The id an operator key is named by in audit events: the first 12 hex of its SHA-256. */
const OPERATOR_ID = createHash('sha256').update(TEST_OPERATOR_KEY).digest('hex').slice(0, 12);

interface Refusal {
  op: string;
  startedAt: number;
  endedAt: number;
}

/**
 * Writers that keep inserting, replacing and deleting records, and remember every acknowledged
 * write. A refused write (409) is retried until acknowledged, as a client would; a refused delete
 * that finds the record gone on retry counts as done (the refused attempt may have landed).
 */
class AcknowledgedHistory {
  readonly records = new Map<string, unknown>();
  readonly refusals: Refusal[] = [];
  acknowledged = 0;
  private running = true;
  private counter = 0;

  constructor(private readonly api: ReturnType<ReturnType<typeof useTestApp>['withToken']>) {}

  start(): Promise<void[]> {
    return Promise.all(Array.from({ length: WRITERS }, (_, writer) => this.loop(writer)));
  }

  stop(): void {
    this.running = false;
  }

  private async loop(writer: number): Promise<void> {
    while (this.running) {
      const ids = [...this.records.keys()];
      const roll = Math.random();
      this.counter += 1;
      const data = { writer, n: this.counter };
      if (roll < 0.5 || ids.length === 0) {
        const created = await this.until('insert', () => this.api.post('/org/records').send(data), [201]);
        this.records.set(created.body.id, data);
      } else if (roll < 0.8) {
        const id = ids[Math.floor(Math.random() * ids.length)];
        this.records.set(id, data);
        await this.until('replace', () => this.api.put(`/org/records/${id}`).send(data), [200, 404]);
      } else {
        const id = ids[Math.floor(Math.random() * ids.length)];
        this.records.delete(id);
        await this.until('delete', () => this.api.delete(`/org/records/${id}`), [204, 404]);
      }
    }
  }

  private async until(op: string, send: () => PromiseLike<{ status: number; body: any }>, done: number[]) {
    for (;;) {
      const startedAt = Date.now();
      const response = await send();
      if (done.includes(response.status)) {
        this.acknowledged += 1;
        return response;
      }
      expect(response.status).toBe(409);
      this.refusals.push({ op, startedAt, endedAt: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The organization's `organization.placement_changed` events, newest first. */
async function placementEvents(t: ReturnType<typeof useTestApp>, owner: OrgWithToken): Promise<Record<string, any>[]> {
  const audit = await t
    .withToken(owner.token)
    .get('/org/audit')
    .query({ action: 'organization.placement_changed', limit: 100 })
    .expect(200);
  return audit.body.items;
}

async function expectSourceGone(t: ReturnType<typeof useTestApp>, source: PlacementView, orgId: string): Promise<void> {
  if (source.mode === 'shared') {
    expect(await storedAt(t.db, source, orgId)).toEqual([]);
  } else if (source.mode === 'database') {
    expect(await t.db.databasesOf(source.cluster)).not.toContain(source.database);
  } else {
    expect(await t.db.collectionsOf(source.cluster, source.database)).not.toContain(source.collection);
  }
}

describe('live moves under concurrent writers (e2e)', () => {
  // The reconciler runs every second on the instance that runs the moves: it must leave them alone.
  const t = useTestApp(twoClusters({ RECONCILE_INTERVAL_SECONDS: '1', LIFECYCLE_LEASE_SECONDS: '1' }));
  const operator = bearer(TEST_OPERATOR_KEY);

  it.each([
    ['collection', 'default', 'shared', 'default'],
    ['shared', 'default', 'database', 'default'],
    ['database', 'default', 'collection', 'b'],
    ['collection', 'b', 'shared', 'b'],
    ['shared', 'b', 'database', 'b'],
    ['database', 'b', 'shared', 'default'],
    ['shared', 'default', 'collection', 'default'],
  ])(
    '%s on %s -> %s on %s: the target equals the acknowledged history and the source is gone',
    async (fromMode, fromCluster, toMode, toCluster) => {
      const owner = await createOrgWithToken(t);
      if (fromMode !== 'collection' || fromCluster !== 'default') {
        const first = await requestMove(t, owner.org.id, { mode: fromMode, cluster: fromCluster }).expect(202);
        expect(await untilMoveEnds(t, first.body.id)).toMatchObject({ phase: 'done' });
      }
      const source = (await organizationOf(t, owner.org.id)).placement as PlacementView;
      // Seeded through the database: the writers are what this test is about.
      const seeded = Array.from({ length: SEEDED_DOCUMENTS }, (_, i) => ({
        _id: new Types.ObjectId(),
        org_id: new Types.ObjectId(owner.org.id),
        data: { seeded: i },
        created_at: new Date(),
        updated_at: new Date(),
      }));
      await t.db.collectionAt(source).insertMany(seeded);
      const history = new AcknowledgedHistory(t.withToken(owner.token));
      for (const { _id, data } of seeded) history.records.set(_id.toHexString(), data);

      const writing = history.start();
      const started = await requestMove(t, owner.org.id, { mode: toMode, cluster: toCluster }).expect(202);
      expect(started.body).toMatchObject({
        org_id: owner.org.id,
        from: source,
        phase: 'copying',
        to: { mode: toMode, cluster: toCluster },
      });
      const move = await untilMoveEnds(t, started.body.id);
      history.stop();
      await writing;

      expect(move).toMatchObject({ phase: 'done', documents_copied: expect.any(Number), finished_at: expect.any(String) });
      // The writers kept writing while the data moved.
      expect(history.acknowledged).toBeGreaterThan(WRITERS);
      expect(move.write_freeze_ms).toBeLessThanOrEqual(2000);
      const org = await organizationOf(t, owner.org.id);
      expect(org.placement).toEqual(move.to);
      const stored = await storedAt(t.db, org.placement, owner.org.id);
      expect(new Map(stored.map(({ _id, data }) => [_id.toHexString(), data]))).toEqual(history.records);
      await expectSourceGone(t, source, owner.org.id);
      // The move is in the audit log once, with where the data was and where it is now.
      const events = await placementEvents(t, owner);
      expect(events).toHaveLength(fromMode !== 'collection' || fromCluster !== 'default' ? 2 : 1);
      expect(events[0]).toMatchObject({
        actor: { type: 'operator', id: OPERATOR_ID },
        target: { type: 'organization', id: owner.org.id },
        details: { move_id: move.id, from: { mode: fromMode, cluster: fromCluster }, to: { mode: toMode, cluster: toCluster } },
      });
      // Writes were refused only while the cutover ran.
      const stored_move = await t.db.master.collection('moves').findOne({ _id: new Types.ObjectId(move.id) });
      const cutoverFrom = (stored_move!.cutover_started_at as Date).getTime() - SLACK_MS;
      const cutoverTo = cutoverFrom + SLACK_MS + (move.write_freeze_ms as number) + SLACK_MS;
      for (const refusal of history.refusals) {
        expect(refusal.endedAt).toBeGreaterThanOrEqual(cutoverFrom);
        expect(refusal.startedAt).toBeLessThanOrEqual(cutoverTo);
      }
    },
  );

  it('records a finished move once as organization.placement_changed; a move already there or rolled back records nothing', async () => {
    const owner = await createOrgWithToken(t);
    expect(owner.org.placement).toMatchObject({ mode: 'collection', cluster: 'default' });
    // Already there: 200, nothing moved, nothing recorded.
    await requestMove(t, owner.org.id, { mode: 'collection', cluster: 'default' }).expect(200);
    expect(await placementEvents(t, owner)).toEqual([]);

    // A move whose target cannot be provisioned rolls back: the placement did not change.
    const storage = t.app.get(TenantStorage, { strict: false });
    const failing = jest.spyOn(storage, 'provision').mockRejectedValueOnce(new Error('target unavailable'));
    const doomed = await requestMove(t, owner.org.id, { mode: 'shared', cluster: 'b' }).expect(202);
    let ended = await untilMoveEnds(t, doomed.body.id);
    while (ended.phase === 'failed') ended = await untilMoveEnds(t, doomed.body.id);
    failing.mockRestore();
    expect(ended).toMatchObject({ phase: 'rolled_back', error: 'target unavailable' });
    expect((await organizationOf(t, owner.org.id)).placement).toEqual(owner.org.placement);
    expect(await placementEvents(t, owner)).toEqual([]);

    const started = await requestMove(t, owner.org.id, { mode: 'shared', cluster: 'b' }).expect(202);
    expect(await untilMoveEnds(t, started.body.id)).toMatchObject({ phase: 'done' });
    const events = await placementEvents(t, owner);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'organization.placement_changed',
      actor: { type: 'operator', id: OPERATOR_ID },
      target: { type: 'organization', id: owner.org.id },
    });
    expect(events[0].details).toEqual({
      move_id: started.body.id,
      from: { mode: 'collection', cluster: 'default' },
      to: { mode: 'shared', cluster: 'b' },
    });
    expect(JSON.stringify(events[0])).not.toContain(TEST_OPERATOR_KEY);
    // The move keeps who asked for it.
    const stored = await t.db.master.collection('moves').findOne({ _id: new Types.ObjectId(started.body.id) });
    expect(stored?.requested_by).toEqual({ type: 'operator', id: OPERATOR_ID });
    // And nothing more is recorded once it is over (the reconciler runs every second here).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await placementEvents(t, owner)).toHaveLength(1);
  });

  it('allows one move at a time, and answers rename and delete 409 while one runs', async () => {
    const owner = await createOrgWithToken(t);
    const seeded = Array.from({ length: SEEDED_DOCUMENTS }, (_, i) => ({
      _id: new Types.ObjectId(),
      org_id: new Types.ObjectId(owner.org.id),
      data: { i },
      created_at: new Date(),
      updated_at: new Date(),
    }));
    await t.db.collectionAt(owner.org.placement).insertMany(seeded);
    // The move is held before its copy starts until the refusals below are checked, so that it
    // cannot finish first on a busy machine.
    const storage = t.app.get(TenantStorage, { strict: false });
    const provision = storage.provision.bind(storage);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = jest.spyOn(storage, 'provision').mockImplementationOnce(async (placement) => {
      await held;
      return provision(placement);
    });
    const moves = await Promise.all([
      requestMove(t, owner.org.id, { mode: 'shared' }),
      requestMove(t, owner.org.id, { mode: 'database' }),
      requestMove(t, owner.org.id, { mode: 'shared', cluster: 'b' }),
    ]);
    expect(moves.map(({ status }) => status).sort()).toEqual([202, 409, 409]);
    const running = moves.find(({ status }) => status === 202)!;
    expectError(
      await t
        .withToken(owner.token)
        .put('/org/update')
        .send({ organization_name: `${owner.org.organization_name} II` }),
      409,
    );
    expectError(await t.withToken(owner.token).delete('/org/delete').query({ organization_name: owner.org.organization_name }), 409);
    expectError(await t.http().delete(`/platform/organizations/${owner.org.id}`).set(operator), 409);
    expect(hold).toHaveBeenCalledTimes(1);
    release();
    hold.mockRestore();
    expect(await untilMoveEnds(t, running.body.id)).toMatchObject({ phase: 'done' });
    // Once it is over, the organization can be renamed again.
    await t
      .withToken(owner.token)
      .put('/org/update')
      .send({ organization_name: `${owner.org.organization_name} II` })
      .expect(200);
    expect(await storedAt(t.db, (await organizationOf(t, owner.org.id)).placement, owner.org.id)).toHaveLength(SEEDED_DOCUMENTS);
  });
});

export type { OrgWithToken };
