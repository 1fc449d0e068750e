import { LeaseKeys } from '../../src/common/locks/lock-keys.js';
import { Types } from 'mongoose';
import { OrganizationReconciler } from '../../src/organizations/lifecycle/organization-reconciler.service.js';
import { lifecycleProblems, readLifecycleState, StoredClaim, waitFor } from '../support/lifecycle-state.js';
import { useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

/** More organizations than one page of the reconciler's claim checks holds claims of (two each). */
const ORGANIZATIONS = 110;

describe('lifecycle reconciler (e2e)', () => {
  describe('with many organizations', () => {
    const t = useTestApp({ LIFECYCLE_LEASE_SECONDS: '1' });

    it('releases orphan claims wherever they sit among the held ones', async () => {
      for (let start = 0; start < ORGANIZATIONS; start += 10) {
        await Promise.all(Array.from({ length: 10 }, () => t.http().post('/org/create').send(uniqueOrg('Many')).expect(201)));
      }
      const claims = t.db.master.collection<StoredClaim & { claimed_at: Date }>('unique_claims');
      const held = await claims.find().sort({ claimed_at: 1 }).toArray();
      expect(held).toHaveLength(2 * ORGANIZATIONS);
      const newestHeld = held[held.length - 1].claimed_at.getTime();
      // What crashes leave: claims whose owner holds nothing, one older than every held claim, one
      // among them, and one newer than all of them (a crash right after claiming).
      const orphans = [
        { _id: 'org:orphan_oldest', owner_id: new Types.ObjectId(), claimed_at: new Date(held[0].claimed_at.getTime() - 60_000) },
        { _id: 'email:orphan-middle@example.com', owner_id: new Types.ObjectId(), claimed_at: held[ORGANIZATIONS].claimed_at },
        { _id: 'org:orphan_newest', owner_id: new Types.ObjectId(), claimed_at: new Date(newestHeld + 1) },
      ];
      await claims.insertMany(orphans);
      // The reconciler only judges claims older than a lease (1 s here).
      await waitFor(
        async () => (Date.now() > newestHeld + 1500 ? true : undefined),
        () => 'the claims to be a lease old',
      );

      const report = await t.app.get(OrganizationReconciler).reconcile();

      expect(report.releasedClaims).toBe(orphans.length);
      expect(await claims.countDocuments({ _id: { $in: orphans.map((orphan) => orphan._id) } })).toBe(0);
      expect(lifecycleProblems(await readLifecycleState(t.db))).toEqual([]);
      // Later passes walk on through the held claims and release none of them.
      for (let pass = 0; pass < 3; pass += 1) {
        expect((await t.app.get(OrganizationReconciler).reconcile()).releasedClaims).toBe(0);
      }
      expect(await claims.countDocuments()).toBe(2 * ORGANIZATIONS);
    }, 120_000);

    it("keeps the claims of a rename in progress: the new slug and the admin's new email", async () => {
      const created = await t.http().post('/org/create').send(uniqueOrg('Pending')).expect(201);
      const orgId = new Types.ObjectId(created.body.id as string);
      const organizations = t.db.master.collection('organizations');
      const claims = t.db.master.collection<StoredClaim & { claimed_at: Date }>('unique_claims');
      // A rename that claimed its targets, still within its lease (so not the reconciler's to finish).
      await organizations.updateOne(
        { _id: orgId },
        {
          $set: {
            status: 'migrating',
            operation: {
              kind: 'rename',
              lease_until: new Date(Date.now() + 3_600_000),
              to_name: 'Pending Target',
              to_slug: 'pending_target',
              to_collection: 'org_pending_target',
              credential_changes: {
                account_id: new Types.ObjectId(created.body.admin.id as string),
                email: 'pending-target@example.com',
                credential_version: 2,
              },
            },
          },
        },
      );
      const longAgo = new Date(Date.now() - 2_000);
      const pending = [
        { _id: 'org:pending_target', owner_id: orgId, claimed_at: longAgo },
        { _id: 'email:pending-target@example.com', owner_id: new Types.ObjectId(created.body.admin.id as string), claimed_at: longAgo },
      ];
      const orphan = { _id: 'org:pending_orphan', owner_id: new Types.ObjectId(), claimed_at: longAgo };
      await claims.insertMany([...pending, orphan]);

      const report = await t.app.get(OrganizationReconciler).reconcile();

      expect(report.releasedClaims).toBe(1);
      expect(await claims.countDocuments({ _id: orphan._id })).toBe(0);
      expect((await claims.find({ _id: { $in: pending.map((claim) => claim._id) } }).toArray()).map((claim) => claim._id).sort()).toEqual(
        pending.map((claim) => claim._id).sort(),
      );
      // Back to the state the next test expects: no rename in progress.
      await organizations.updateOne({ _id: orgId }, { $set: { status: 'active' }, $unset: { operation: 1 } });
      await claims.deleteMany({ _id: { $in: pending.map((claim) => claim._id) } });
    });

    it('drops an unreferenced tenant collection only while nobody holds its slug', async () => {
      const claims = t.db.master.collection<StoredClaim & { claimed_at: Date }>('unique_claims');
      await t.db.tenant.createCollection('org_contested');
      // An organization being created under this slug holds its claim before it writes anything.
      await claims.insertOne({ _id: 'org:contested', owner_id: new Types.ObjectId(), claimed_at: new Date() });
      const reconciler = t.app.get(OrganizationReconciler);

      expect((await reconciler.reconcile()).droppedCollections).toBe(0);
      expect(await t.db.tenantCollections()).toContain('org_contested');

      await claims.deleteOne({ _id: 'org:contested' });
      expect((await reconciler.reconcile()).droppedCollections).toBe(1);
      expect(await t.db.tenantCollections()).not.toContain('org_contested');
      expect(await claims.countDocuments({ _id: 'org:contested' })).toBe(0);
    });
  });

  describe('two instances on the same databases', () => {
    const first = useTestApp({ LIFECYCLE_LEASE_SECONDS: '1' });
    const second = useTestApp({ LIFECYCLE_LEASE_SECONDS: '1' }, { onDatabasesOf: first });

    const RECONCILER: string = LeaseKeys.reconciler;

    it('let only one of them hold the reconciler lease at a time', async () => {
      // Other leases (the webhook fan-out's) share the collection.
      const leases = first.db.master.collection<{ name: string; expires_at: Date; term: number }>('leases');
      for (let round = 0; round < 3; round += 1) {
        // Start every round from an expired lease, so both instances are entitled to take it.
        await waitFor(
          async () => {
            const [latest] = await leases.find({ name: RECONCILER }).sort({ term: -1 }).limit(1).toArray();
            return !latest || latest.expires_at.getTime() < Date.now() ? true : undefined;
          },
          () => 'the reconciler lease to expire',
        );
        const reports = await Promise.all([first, second].map((instance) => instance.app.get(OrganizationReconciler).reconcile()));
        expect(reports.filter((report) => report.ran)).toHaveLength(1);
        const holder = reports[0].ran ? first : second;
        const other = holder === first ? second : first;
        // While the term lasts, the holder renews it and the other instance stays out.
        const [renewed, refused] = await Promise.all(
          [holder, other].map((instance) => instance.app.get(OrganizationReconciler).reconcile()),
        );
        expect(refused.ran).toBe(false);
        expect(renewed.ran).toBe(true);
      }
      // One term of it is left: each new term prunes the older ones.
      expect(await leases.countDocuments({ name: RECONCILER })).toBe(1);
    });
  });
});
