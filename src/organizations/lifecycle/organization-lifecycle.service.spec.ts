import { AdminEmailTakenError } from '../../auth/auth.errors.js';
import { newObjectId } from '../../common/database/object-id.js';
import { OrganizationBusyError, OrganizationNameTakenError } from '../organization.errors.js';
import { OrganizationStatus } from '../persistence/organization.schema.js';
import { inMemoryLifecycle } from '../testing/in-memory-repositories.fakes.js';

const ACME = { name: 'Acme', slug: 'acme', email: 'owner@acme.test', passwordHash: '$argon2id$stand-in' };

async function created() {
  const stores = inMemoryLifecycle();
  const org = await stores.lifecycle.create(ACME);
  return { ...stores, org };
}

describe('OrganizationLifecycleService', () => {
  describe('create', () => {
    it('claims the name and email, writes organization, admin and collection, and ends active', async () => {
      const { org, organizations, uniqueClaims, adminAccounts, tenants, tickets } = await created();
      expect(org).toMatchObject({ status: OrganizationStatus.Active, lifecycle_epoch: 1, collection_name: 'org_acme' });
      expect(org.operation).toBeUndefined();
      expect(uniqueClaims.held()).toEqual({ 'org:acme': org._id.toHexString(), 'email:owner@acme.test': org.admin_id.toHexString() });
      expect(adminAccounts.documents.get(org.admin_id.toHexString())).toMatchObject({ org_id: org._id, email: ACME.email, credential_version: 1 });
      expect([...tenants.collections.keys()]).toEqual(['org_acme']);
      expect(organizations.documents.size).toBe(1);
      expect(tickets.tickets.size).toBe(0);
    });

    it('refuses a taken name and writes nothing', async () => {
      const { lifecycle, organizations, uniqueClaims } = await created();
      await expect(lifecycle.create({ ...ACME, email: 'other@acme.test' })).rejects.toBeInstanceOf(OrganizationNameTakenError);
      expect(organizations.documents.size).toBe(1);
      expect(Object.keys(uniqueClaims.held()).sort()).toEqual(['email:owner@acme.test', 'org:acme']);
    });

    it('refuses a taken email and gives the name back', async () => {
      const { lifecycle, uniqueClaims } = await created();
      await expect(lifecycle.create({ ...ACME, name: 'Other', slug: 'other' })).rejects.toBeInstanceOf(AdminEmailTakenError);
      expect(uniqueClaims.held()['org:other']).toBeUndefined();
    });

    it('undoes every step when one fails', async () => {
      const { lifecycle, organizations, uniqueClaims, adminAccounts, tenants, tickets } = inMemoryLifecycle();
      tenants.failNextCreate = true;
      await expect(lifecycle.create(ACME)).rejects.toThrow('connection lost');
      expect(organizations.documents.size).toBe(0);
      expect(adminAccounts.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
      expect(tickets.tickets.size).toBe(0);
    });

    it('answers busy when the reconciler took the create over first', async () => {
      const { lifecycle, tickets, organizations } = inMemoryLifecycle();
      const markActive = organizations.markActive.bind(organizations);
      // Another instance wins the ticket of epoch 0 just before this create tries to finish.
      organizations.markActive = async (orgId) => {
        await tickets.release(`${orgId.toHexString()}:0`, [...tickets.tickets.values()][0].holder);
        await tickets.take(`${orgId.toHexString()}:0`, 'reconciler');
        return markActive(orgId);
      };
      const insert = organizations.insertProvisioning.bind(organizations);
      organizations.insertProvisioning = async (org) => {
        await insert(org);
        await tickets.take(`${org._id.toHexString()}:0`, 'reconciler');
      };
      await expect(lifecycle.create(ACME)).rejects.toBeInstanceOf(OrganizationBusyError);
    });
  });

  describe('rename', () => {
    it('moves the collection, takes the new name, frees the old one and bumps the epoch twice', async () => {
      const { lifecycle, org, uniqueClaims, tenants, tickets } = await created();
      tenants.collections.set('org_acme', 7);
      const outcome = await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' });
      expect(outcome).toMatchObject({ previous_collection: 'org_acme', documents_migrated: 7 });
      expect(outcome.organization).toMatchObject({ name: 'Acme Two', slug: 'acme_two', collection_name: 'org_acme_two', lifecycle_epoch: 3 });
      expect(outcome.organization.status).toBe(OrganizationStatus.Active);
      expect([...tenants.collections]).toEqual([['org_acme_two', 7]]);
      expect(uniqueClaims.held()['org:acme']).toBeUndefined();
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
      expect(tickets.tickets.size).toBe(0);
    });

    it('applies credential changes with the rename and frees the previous email', async () => {
      const { lifecycle, org, uniqueClaims, adminAccounts } = await created();
      await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, { email: 'new@acme.test', credential_version: 2 }, ACME.email);
      expect(adminAccounts.documents.get(org.admin_id.toHexString())).toMatchObject({ email: 'new@acme.test', credential_version: 2 });
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBe(org.admin_id.toHexString());
    });

    it('refuses a name another organization holds', async () => {
      const { lifecycle, org, uniqueClaims } = await created();
      await uniqueClaims.claim('org', 'taken', newObjectId());
      await expect(lifecycle.rename(org, { name: 'Taken', slug: 'taken' })).rejects.toBeInstanceOf(OrganizationNameTakenError);
    });

    it('loses to a transition that holds the epoch, and releases what it claimed', async () => {
      const { lifecycle, org, uniqueClaims, tickets, organizations } = await created();
      await tickets.take(`${org._id.toHexString()}:${org.lifecycle_epoch}`, 'someone else');
      await expect(
        lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, { email: 'new@acme.test', credential_version: 2 }),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(uniqueClaims.held()['org:acme_two']).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBeUndefined();
      expect((await organizations.findById(org._id))?.status).toBe(OrganizationStatus.Active);
    });

    it('refuses to act on an organization read before another transition', async () => {
      const { lifecycle, org } = await created();
      await lifecycle.changeDisplayName(org, 'ACME');
      await expect(lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' })).rejects.toBeInstanceOf(OrganizationBusyError);
    });

    it('is rolled forward from migrating by whoever takes over its expired lease', async () => {
      const { lifecycle, org, organizations, tenants } = await created();
      const migrating = await organizations.beginRename(org, {
        kind: 'rename',
        lease_until: new Date(Date.now() - 1000),
        to_name: 'Acme Two',
        to_slug: 'acme_two',
        to_collection: 'org_acme_two',
      });
      const taken = await lifecycle.takeOverExpired(migrating!);
      expect(taken).not.toBeNull();
      expect(await lifecycle.takeOverExpired(migrating!)).toBeNull();
      const outcome = await lifecycle.completeRename(taken!);
      expect(outcome.organization).toMatchObject({ slug: 'acme_two', status: OrganizationStatus.Active });
      expect([...tenants.collections.keys()]).toEqual(['org_acme_two']);
    });
  });

  describe('credential changes', () => {
    it('applies exactly one of two changes from the same credential version', async () => {
      const { lifecycle, org, uniqueClaims, adminAccounts } = await created();
      await lifecycle.changeCredentials(org.admin_id, ACME.email, { email: 'first@acme.test', credential_version: 2 });
      await expect(
        lifecycle.changeCredentials(org.admin_id, 'first@acme.test', { email: 'second@acme.test', credential_version: 2 }),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(adminAccounts.documents.get(org.admin_id.toHexString())?.email).toBe('first@acme.test');
      expect(uniqueClaims.held()['email:second@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('removes collection, admins, organization and claims, and counts the documents', async () => {
      const { lifecycle, org, organizations, uniqueClaims, adminAccounts, tenants } = await created();
      tenants.collections.set('org_acme', 4);
      expect(await lifecycle.delete(org)).toBe(4);
      expect(organizations.documents.size).toBe(0);
      expect(adminAccounts.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
    });

    it('refuses an organization changed since it was read', async () => {
      const { lifecycle, org, organizations } = await created();
      await lifecycle.changeDisplayName(org, 'ACME');
      await expect(lifecycle.delete(org)).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(organizations.documents.size).toBe(1);
    });
  });

  describe('abandoning a create', () => {
    it('rolls back a stale create only while its lease is the one read', async () => {
      const { lifecycle, organizations, uniqueClaims, tenants } = inMemoryLifecycle();
      const orgId = newObjectId();
      const adminId = newObjectId();
      const leaseUntil = new Date(Date.now() - 1000);
      await uniqueClaims.claim('org', 'acme', orgId);
      await organizations.insertProvisioning({ _id: orgId, name: 'Acme', slug: 'acme', collection_name: 'org_acme', admin_id: adminId, lease_until: leaseUntil });
      await tenants.create('org_acme');

      await lifecycle.abandonCreate(orgId, new Date(leaseUntil.getTime() + 1));
      expect(organizations.documents.size).toBe(1);

      await lifecycle.abandonCreate(orgId, leaseUntil);
      expect(organizations.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
    });
  });
});
