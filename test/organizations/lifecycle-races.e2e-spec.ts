import { Types } from 'mongoose';
import { OrganizationReconciler } from '../../src/organizations/lifecycle/organization-reconciler.service.js';
import { slugify } from '../../src/organizations/organization-name.js';
import type { Placement } from '../../src/tenants/placement.js';
import { tenantCollectionName } from '../../src/tenants/tenant-collection-name.js';
import { TenantStorage } from '../../src/tenants/tenant-storage.service.js';
import { expectError } from '../support/expect-error.js';
import { idsIn, lifecycleProblems, readLifecycleState, seedRecords, StoredOrganization, waitFor } from '../support/lifecycle-state.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** Enough documents that writes keep streaming in while a rename copies them. */
const COPY_PATH_RECORDS = 5_000;

describe('lifecycle races (e2e)', () => {
  const t = useTestApp();

  const storedOrg = (id: string) => t.db.master.collection<StoredOrganization>('organizations').findOne({ _id: new Types.ObjectId(id) });
  const expectSettled = async () => expect(lifecycleProblems(await readLifecycleState(t.db))).toEqual([]);

  /** An organization with seeded records, its token, and the ids of its records. */
  async function orgWithRecords(count: number) {
    const created = await createOrgWithToken(t);
    const ids = await seedRecords(t.db, created.org.collection_name, created.org.id, count);
    return { ...created, ids };
  }

  /**
   * Holds every TenantStorage.renameCollection until released, so that a real rename stays in
   * `migrating` (transition done, data not moved) for as long as the test needs.
   */
  function pauseMoves(): { release: () => void } {
    const tenants = t.app.get(TenantStorage);
    const renameCollection = tenants.renameCollection.bind(tenants);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    tenants.renameCollection = async (...args: Parameters<TenantStorage['renameCollection']>) => {
      await gate;
      return renameCollection(...args);
    };
    return {
      release: () => {
        open();
        tenants.renameCollection = renameCollection;
      },
    };
  }

  /** renameCollection cannot move into an existing collection, so the rename takes the copy path. */
  async function forceCopyPath(newName: string): Promise<void> {
    await t.db.tenant.createCollection(tenantCollectionName(slugify(newName)));
  }

  it('serializes a rename and a delete of the same organization: one wins, the other is refused', async () => {
    for (let round = 0; round < 3; round += 1) {
      const subject = await orgWithRecords(50);
      const newName = uniqueOrg('Raced').organization_name;
      const [renamed, deleted] = await Promise.all([
        t.withToken(subject.token).put('/org/update').send({ organization_name: newName }),
        t.withToken(subject.token).delete('/org/delete').query({ organization_name: subject.input.organization_name }),
      ]);
      const stored = await storedOrg(subject.org.id);
      const state = await readLifecycleState(t.db);
      if (renamed.status === 200) {
        // Refused while the rename held the organization (409), or, once it had its new name, 403:
        // the old name is no longer the token's organization's (never 404, whether or not one by that name exists).
        expect([409, 403]).toContain(deleted.status);
        expectError(deleted, deleted.status, deleted.status === 403 ? 'The token does not belong to this organization' : undefined);
        expect(stored).toMatchObject({ name: newName, status: 'active', collection_name: tenantCollectionName(slugify(newName)) });
        expect(await idsIn(t.db, stored!.collection_name)).toEqual(subject.ids);
      } else {
        expect(deleted.status).toBe(200);
        // Refused while the delete held the organization, or 401 once the token's organization was going.
        expect([409, 401]).toContain(renamed.status);
        expectError(renamed, renamed.status);
        expect(stored).toBeNull();
        expect(state.claims.map((claim) => claim._id)).not.toContain(`org:${slugify(newName)}`);
      }
      expect(state.tenantCollections).not.toContain(subject.org.collection_name);
      expect(lifecycleProblems(state)).toEqual([]);
    }
  });

  it('lets exactly one of two organizations renamed to the same new name at once win', async () => {
    const first = await orgWithRecords(20);
    const second = await orgWithRecords(30);
    const newName = uniqueOrg('Wanted').organization_name;
    const responses = await Promise.all(
      [first, second].map((org) => t.withToken(org.token).put('/org/update').send({ organization_name: newName })),
    );
    expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
    const [winner, loser] = responses[0].status === 200 ? [first, second] : [second, first];
    expectError(
      responses.find((res) => res.status === 409)!,
      409,
      'An organization with this name already exists',
    );
    expect(await storedOrg(winner.org.id)).toMatchObject({ name: newName, collection_name: tenantCollectionName(slugify(newName)) });
    expect(await idsIn(t.db, tenantCollectionName(slugify(newName)))).toEqual(winner.ids);
    expect(await storedOrg(loser.org.id)).toMatchObject({
      name: loser.input.organization_name,
      collection_name: loser.org.collection_name,
      status: 'active',
    });
    expect(await idsIn(t.db, loser.org.collection_name)).toEqual(loser.ids);
    await expectSettled();
  });

  it('applies exactly one of several concurrent password changes', async () => {
    const subject = await createOrgWithToken(t);
    const passwords = Array.from({ length: 6 }, (_, index) => `concurrent-passphrase-${index}-x`);
    const responses = await Promise.all(passwords.map((password) => t.withToken(subject.token).put('/org/update').send({ password })));
    const winners = responses.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    // Losers were refused by the ticket (409) or, once the winner had changed the credentials, by the token check (401).
    for (const loser of responses.filter((res) => res.status !== 200)) expectError(loser, loser.status === 401 ? 401 : 409);
    const admin = await t.db.master.collection('accounts').findOne({ _id: new Types.ObjectId(subject.org.admin.id as string) });
    expect(admin?.credential_version).toBe(2);
    const winningPassword = passwords[responses.indexOf(winners[0])];
    await t.http().post('/admin/login').send({ email: subject.input.email, password: winningPassword }).expect(200);
    await t.withToken(winners[0].body.access_token).get('/org/collection/stats').expect(200);
    await t.withToken(subject.token).get('/org/collection/stats').expect(401);
  });

  it('never lets a change of spelling undo a rename that runs at the same time', async () => {
    for (let round = 0; round < 3; round += 1) {
      const subject = await orgWithRecords(20);
      const newName = uniqueOrg('Moved').organization_name;
      const respelled = subject.input.organization_name.toUpperCase();
      const [renamed, recased] = await Promise.all([
        t.withToken(subject.token).put('/org/update').send({ organization_name: newName }),
        t.withToken(subject.token).put('/org/update').send({ organization_name: respelled }),
      ]);
      const stored = await storedOrg(subject.org.id);
      expect([renamed.status, recased.status]).toContain(200);
      if (renamed.status === 200) {
        expect(stored).toMatchObject({ slug: slugify(newName), collection_name: tenantCollectionName(slugify(newName)), status: 'active' });
      } else {
        expectError(renamed, 409);
        expect(stored).toMatchObject({ name: respelled, slug: subject.org.slug, collection_name: subject.org.collection_name });
      }
      expect(slugify(stored!.name)).toBe(stored!.slug);
      expect(await idsIn(t.db, stored!.collection_name)).toEqual(subject.ids);
      await expectSettled();
    }
  });

  it('refuses a delete, a second rename and record writes while a rename runs, and keeps serving reads', async () => {
    const subject = await orgWithRecords(300);
    const newName = uniqueOrg('Held').organization_name;
    const otherName = uniqueOrg('Second rename').organization_name;
    const paused = pauseMoves();
    try {
      const rename = t
        .withToken(subject.token)
        .put('/org/update')
        .send({ organization_name: newName })
        .then((res) => res);
      await waitFor(
        async () => ((await storedOrg(subject.org.id))?.status === 'migrating' ? true : undefined),
        () => 'the rename to begin',
      );
      const refused = [
        await t.withToken(subject.token).delete('/org/delete').query({ organization_name: subject.input.organization_name }),
        await t.withToken(subject.token).put('/org/update').send({ organization_name: otherName }),
        await t.withToken(subject.token).post('/org/records').send({ during: 'rename' }),
        await t.withToken(subject.token).put(`/org/records/${subject.ids[0]}`).send({ during: 'rename' }),
        await t.withToken(subject.token).delete(`/org/records/${subject.ids[1]}`),
      ];
      const read = await t.withToken(subject.token).get(`/org/records/${subject.ids[2]}`);
      const list = await t.withToken(subject.token).get('/org/records').query({ limit: 5 });
      for (const res of refused) {
        expectError(res, 409);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
      }
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(subject.ids[2]);
      expect(list.body.items.map((item: { id: string }) => item.id)).toEqual(subject.ids.slice(0, 5));

      paused.release();
      const renamed = await rename;
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ documents_migrated: 300, current_collection: tenantCollectionName(slugify(newName)) });
    } finally {
      paused.release();
    }
    const collection = tenantCollectionName(slugify(newName));
    expect(await idsIn(t.db, collection)).toEqual(subject.ids);
    expect(await t.db.tenant.collection(collection).countDocuments({ 'data.during': 'rename' })).toBe(0);
    expect(await storedOrg(subject.org.id)).toMatchObject({ name: newName, status: 'active', collection_name: collection });
    await expectSettled();
  });

  describe.each([
    ['the renameCollection fast path', false],
    ['the copy path', true],
  ])('writes streaming in while a rename takes %s', (_label, forceCopy) => {
    it('keeps every write that got a 2xx, no insert that got 409, and answers nothing else', async () => {
      const subject = await orgWithRecords(forceCopy ? COPY_PATH_RECORDS : 500);
      const newName = uniqueOrg('Streamed').organization_name;
      const collection = tenantCollectionName(slugify(newName));
      const untouched = [...subject.ids];
      const inserted: string[] = [];
      const refusedInserts: number[] = [];
      const replaced = new Map<string, number>();
      const deleted: string[] = [];
      const maybeChanged = new Set<string>();
      const unexpected: string[] = [];
      let renameDone = false;
      let writesAfterRename = 0;
      let seq = 0;

      /** Inserts, replaces and deletes in turn; each replace or delete takes a record nobody touched yet. */
      const writer = async () => {
        while (!renameDone || writesAfterRename < 30) {
          const mine = (seq += 1);
          const kind = mine % 3;
          const target = kind === 0 ? undefined : untouched.shift()!;
          const res =
            kind === 0
              ? await t.withToken(subject.token).post('/org/records').send({ seq: mine })
              : kind === 1
                ? await t.withToken(subject.token).put(`/org/records/${target}`).send({ seq: mine })
                : await t.withToken(subject.token).delete(`/org/records/${target}`);
          if (renameDone) writesAfterRename += 1;
          if (res.status === 409 && /^\d+$/.test(res.headers['retry-after'] ?? '')) {
            // A refused replace or delete may or may not have taken effect; retrying it is safe.
            if (kind === 0) refusedInserts.push(mine);
            else maybeChanged.add(target!);
          } else if (kind === 0 && res.status === 201) inserted.push(res.body.id);
          else if (kind === 1 && res.status === 200) replaced.set(target!, mine);
          else if (kind === 2 && res.status === 204) deleted.push(target!);
          else unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
        }
      };
      const writers = Array.from({ length: 4 }, writer);
      await waitFor(
        async () => (inserted.length >= 10 ? true : undefined),
        () => 'writes before the rename',
      );
      if (forceCopy) await forceCopyPath(newName);
      const rename = await t.withToken(subject.token).put('/org/update').send({ organization_name: newName });
      renameDone = true;
      await Promise.all(writers);

      expect(rename.status).toBe(200);
      expect(unexpected).toEqual([]);
      const stored = new Set(await idsIn(t.db, collection));
      for (const id of [...untouched, ...inserted, ...replaced.keys()]) expect(stored.has(id)).toBe(true);
      for (const id of deleted) expect(stored.has(id)).toBe(false);
      const expectedCount = untouched.length + inserted.length + replaced.size + [...maybeChanged].filter((id) => stored.has(id)).length;
      expect(stored.size).toBe(expectedCount);
      for (const [id, mine] of replaced) {
        expect((await t.db.tenant.collection(collection).findOne({ _id: new Types.ObjectId(id) }))?.data).toEqual({ seq: mine });
      }
      expect(await t.db.tenant.collection(collection).countDocuments({ 'data.seq': { $in: refusedInserts } })).toBe(0);
      // A write that raced the move may have recreated the old collection (empty): the reconciler drops it.
      await t.app.get(OrganizationReconciler).reconcile();
      await expectSettled();
      console.info(
        `rename by ${forceCopy ? 'copy' : 'renameCollection'} under writes: ${inserted.length + replaced.size + deleted.length} writes accepted, ` +
          `${refusedInserts.length + maybeChanged.size} refused with 409`,
      );
    }, 180_000);
  });

  describe('TenantStorage.renameCollection copy fallback', () => {
    let tenants: TenantStorage;
    /** Any organization: dropping a collection of its own does not depend on whose it is. */
    const anyOrg = new Types.ObjectId();
    /** A `collection`-mode placement of the tenant database on the default cluster. */
    const inTenantDb = (collection: string): Placement => ({
      mode: 'collection',
      cluster: 'default',
      database: t.config.mongo.tenantDbName,
      collection,
    });

    beforeAll(async () => {
      tenants = t.app.get(TenantStorage);
      // The start-up reconcile pass would drop these unreferenced collections: let it finish first.
      await t.app.get(OrganizationReconciler).reconcile();
    });

    async function sourceWithIndex(count: number) {
      const source = `org_move_src_${new Types.ObjectId().toHexString()}`;
      await tenants.provision(inTenantDb(source));
      const ids = await seedRecords(t.db, source, new Types.ObjectId().toHexString(), count, 1000);
      await t.db.tenant.collection(source).createIndex({ 'data.n': 1 }, { name: 'by_n', unique: true });
      return { source, ids };
    }

    async function indexesOf(collection: string) {
      const indexes = await t.db.tenant.collection(collection).listIndexes().toArray();
      return indexes.map(({ name, key, unique }) => ({ name, key, unique: unique ?? false })).sort((a, b) => a.name.localeCompare(b.name));
    }

    it('copies every document and index when renameCollection cannot be used, then drops the source', async () => {
      const { source, ids } = await sourceWithIndex(2500);
      const sourceIndexes = await indexesOf(source);
      const target = `org_move_dst_${new Types.ObjectId().toHexString()}`;
      await t.db.tenant.createCollection(target);

      const result = await tenants.renameCollection(inTenantDb(source), target);

      expect(result).toEqual({ documents: 2500, method: 'copy' });
      expect(await idsIn(t.db, target)).toEqual(ids);
      expect(await indexesOf(target)).toEqual(sourceIndexes);
      expect(await tenants.exists(inTenantDb(source))).toBe(false);
      const sample = await t.db.tenant.collection(target).findOne({ _id: new Types.ObjectId(ids[1234]) });
      expect(sample).toEqual({
        _id: new Types.ObjectId(ids[1234]),
        org_id: expect.any(Types.ObjectId),
        data: expect.any(Object),
        created_at: expect.any(Date),
        updated_at: expect.any(Date),
      });
      await tenants.drop(anyOrg, inTenantDb(target));
    });

    it('finishes a copy that was interrupted part-way, without duplicates', async () => {
      const { source, ids } = await sourceWithIndex(2500);
      const sourceIndexes = await indexesOf(source);
      const target = `org_move_dst_${new Types.ObjectId().toHexString()}`;
      // What a crash mid-copy leaves behind: the first batches copied, the rest not, no index yet.
      const copied = await t.db.tenant.collection(source).find().sort({ _id: 1 }).limit(1700).toArray();
      await t.db.tenant.collection(target).insertMany(copied);

      const result = await tenants.renameCollection(inTenantDb(source), target);

      expect(result).toEqual({ documents: 2500, method: 'copy' });
      expect(await idsIn(t.db, target)).toEqual(ids);
      expect(await indexesOf(target)).toEqual(sourceIndexes);
      expect(await tenants.exists(inTenantDb(source))).toBe(false);

      // Repeating the whole move after it completed (a crash right after the drop) changes nothing.
      // Nothing is moved or counted again (the caller takes the count from the quota ledger).
      expect(await tenants.renameCollection(inTenantDb(source), target)).toEqual({ documents: null, method: 'already-moved' });
      expect(await idsIn(t.db, target)).toEqual(ids);
      await tenants.drop(anyOrg, inTenantDb(target));
    });

    it('leaves the target holding exactly the source documents, dropping strays it held before', async () => {
      const { source, ids } = await sourceWithIndex(300);
      const target = `org_move_dst_${new Types.ObjectId().toHexString()}`;
      // E.g. an insert the records API undid after a first copy attempt had already copied it.
      await t.db.tenant.collection(target).insertOne({ _id: new Types.ObjectId(), data: { stray: true } });

      expect(await tenants.renameCollection(inTenantDb(source), target)).toEqual({ documents: 300, method: 'copy' });
      expect(await idsIn(t.db, target)).toEqual(ids);
      expect(await tenants.exists(inTenantDb(source))).toBe(false);
      await tenants.drop(anyOrg, inTenantDb(target));
    });
  });
});
