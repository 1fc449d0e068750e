import { EmailTakenError } from '../../auth/auth.errors.js';
import { AuditAction } from '../../audit/audit-action.js';
import { newObjectId } from '../../common/database/object-id.js';
import { MemberRole } from '../../members/member-role.js';
import { OrganizationBusyError, OrganizationNameTakenError } from '../organization.errors.js';
import { OrganizationStatus } from '../persistence/organization.schema.js';
import { inMemoryLifecycle } from '../testing/in-memory-repositories.fakes.js';

const ACME = { name: 'Acme', slug: 'acme', email: 'owner@acme.test', passwordHash: '$argon2id$stand-in' };

const BY = { by: { id: '507f191e810c19729de860ea', email: ACME.email }, origin: { ip: '127.0.0.1', requestId: 'r-1' } };

async function created() {
  const stores = inMemoryLifecycle();
  const { organization: org, ownerId } = await stores.lifecycle.create(ACME);
  return { ...stores, org, ownerId, by: { ...BY, by: { id: ownerId.toHexString(), email: ACME.email } } };
}

describe('OrganizationLifecycleService', () => {
  describe('create', () => {
    it('claims the name and email, writes organization, admin and collection, and ends active', async () => {
      const { org, ownerId, organizations, uniqueClaims, memberDocuments, tenants, tickets } = await created();
      expect(org).toMatchObject({ status: OrganizationStatus.Active, lifecycle_epoch: 1, collection_name: 'org_acme' });
      expect(org.operation).toBeUndefined();
      expect(uniqueClaims.held()).toEqual({ 'org:acme': org._id.toHexString(), 'email:owner@acme.test': ownerId.toHexString() });
      expect(memberDocuments.documents.get(ownerId.toHexString())).toMatchObject({
        org_id: org._id,
        email: ACME.email,
        role: MemberRole.Owner,
        credential_version: 1,
      });
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
      await expect(lifecycle.create({ ...ACME, name: 'Other', slug: 'other' })).rejects.toBeInstanceOf(EmailTakenError);
      expect(uniqueClaims.held()['org:other']).toBeUndefined();
    });

    it('undoes every step when one fails', async () => {
      const { lifecycle, organizations, uniqueClaims, memberDocuments, tenants, tickets } = inMemoryLifecycle();
      tenants.failNextCreate = true;
      await expect(lifecycle.create(ACME)).rejects.toThrow('connection lost');
      expect(organizations.documents.size).toBe(0);
      expect(memberDocuments.documents.size).toBe(0);
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
    it('moves the collection, takes the new name, frees the old one, bumps the epoch twice and is audited once', async () => {
      const { lifecycle, org, uniqueClaims, tenants, tickets, audit, by } = await created();
      tenants.collections.set('org_acme', 7);
      const outcome = await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by);
      expect(outcome).toMatchObject({ previous_collection: 'org_acme', documents_migrated: 7 });
      expect(outcome.organization).toMatchObject({
        name: 'Acme Two',
        slug: 'acme_two',
        collection_name: 'org_acme_two',
        lifecycle_epoch: 3,
      });
      expect(outcome.organization.status).toBe(OrganizationStatus.Active);
      expect([...tenants.collections]).toEqual([['org_acme_two', 7]]);
      expect(uniqueClaims.held()['org:acme']).toBeUndefined();
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
      expect(tickets.tickets.size).toBe(0);
      expect(audit.entries.filter((entry) => entry.action === AuditAction.OrganizationRenamed)).toEqual([
        expect.objectContaining({ actor: by.by, details: { from: 'Acme', to: 'Acme Two' } }),
      ]);
    });

    it('applies credential changes with the rename and frees the previous email', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, memberDocuments, by } = await created();
      await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by, {
        member_id: ownerId,
        email: 'new@acme.test',
        credential_version: 2,
      });
      expect(memberDocuments.documents.get(ownerId.toHexString())).toMatchObject({ email: 'new@acme.test', credential_version: 2 });
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBe(ownerId.toHexString());
    });

    it('refuses a name another organization holds', async () => {
      const { lifecycle, org, uniqueClaims, by } = await created();
      await uniqueClaims.claim('org', 'taken', newObjectId());
      await expect(lifecycle.rename(org, { name: 'Taken', slug: 'taken' }, by)).rejects.toBeInstanceOf(OrganizationNameTakenError);
    });

    it('does not ride on a name the organization still holds: a rename back while the old claim is being given up is busy', async () => {
      const { lifecycle, org, uniqueClaims, by } = await created();
      const renamed = (await lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by)).organization;
      // As if the first rename had not released `acme` yet.
      await uniqueClaims.claim('org', 'acme', org._id);
      await expect(lifecycle.rename(renamed, { name: 'Acme', slug: 'acme' }, by)).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(uniqueClaims.held()['org:acme_two']).toBe(org._id.toHexString());
    });

    it('loses to a transition that holds the epoch, and releases what it claimed', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, tickets, organizations, by } = await created();
      await tickets.take(`${org._id.toHexString()}:${org.lifecycle_epoch}`, 'someone else');
      await expect(
        lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by, {
          member_id: ownerId,
          email: 'new@acme.test',
          credential_version: 2,
        }),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(uniqueClaims.held()['org:acme_two']).toBeUndefined();
      expect(uniqueClaims.held()['email:new@acme.test']).toBeUndefined();
      expect((await organizations.findById(org._id))?.status).toBe(OrganizationStatus.Active);
    });

    it('refuses to act on an organization read before another transition', async () => {
      const { lifecycle, org, by } = await created();
      await lifecycle.changeDisplayName(org, 'ACME', by);
      await expect(lifecycle.rename(org, { name: 'Acme Two', slug: 'acme_two' }, by)).rejects.toBeInstanceOf(OrganizationBusyError);
    });

    it('is rolled forward from migrating by whoever takes over its expired lease, and audited once', async () => {
      const { lifecycle, org, organizations, tenants, audit, by } = await created();
      const migrating = await organizations.beginRename(org, {
        kind: 'rename',
        lease_until: new Date(Date.now() - 1000),
        to_name: 'Acme Two',
        to_slug: 'acme_two',
        to_collection: 'org_acme_two',
        requested_by: by.by,
        origin: by.origin,
      });
      const taken = await lifecycle.takeOverExpired(migrating!);
      expect(taken).not.toBeNull();
      expect(await lifecycle.takeOverExpired(migrating!)).toBeNull();
      const outcome = await lifecycle.completeRename(taken!);
      expect(outcome.organization).toMatchObject({ slug: 'acme_two', status: OrganizationStatus.Active });
      expect([...tenants.collections.keys()]).toEqual(['org_acme_two']);
      // Finishing it again (another instance, or a retry) records nothing more.
      await organizations.beginRename(outcome.organization, { ...migrating!.operation!, lease_until: new Date() });
      await lifecycle.completeRename({ ...migrating!, lifecycle_epoch: migrating!.lifecycle_epoch });
      expect(audit.entries.filter((entry) => entry.action === AuditAction.OrganizationRenamed)).toHaveLength(1);
    });
  });

  describe('credential changes', () => {
    it('applies exactly one of two changes from the same credential version', async () => {
      const { lifecycle, org, ownerId, uniqueClaims, memberDocuments, by } = await created();
      await lifecycle.changeCredentials(org._id, { member_id: ownerId, email: 'first@acme.test', credential_version: 2 }, by);
      await expect(
        lifecycle.changeCredentials(
          org._id,
          { member_id: ownerId, email: 'second@acme.test', credential_version: 2 },
          { ...by, by: { ...by.by, email: 'first@acme.test' } },
        ),
      ).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(memberDocuments.documents.get(ownerId.toHexString())?.email).toBe('first@acme.test');
      expect(uniqueClaims.held()['email:second@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('removes collection, admins, organization and claims, and counts the documents', async () => {
      const { lifecycle, org, organizations, uniqueClaims, memberDocuments, tenants, audit, by } = await created();
      await lifecycle.changeDisplayName(org, 'ACME', by);
      tenants.collections.set('org_acme', 4);
      expect(await lifecycle.delete((await organizations.findById(org._id))!)).toBe(4);
      expect(organizations.documents.size).toBe(0);
      expect(memberDocuments.documents.size).toBe(0);
      expect(audit.entries).toEqual([]);
      expect(uniqueClaims.held()).toEqual({});
      expect(tenants.collections.size).toBe(0);
    });

    it('refuses an organization changed since it was read', async () => {
      const { lifecycle, org, organizations, by } = await created();
      await lifecycle.changeDisplayName(org, 'ACME', by);
      await expect(lifecycle.delete(org)).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(organizations.documents.size).toBe(1);
    });
  });

  describe('abandoning a create', () => {
    it('rolls back a stale create only while its lease is the one read', async () => {
      const { lifecycle, organizations, uniqueClaims, tenants } = inMemoryLifecycle();
      const orgId = newObjectId();
      const leaseUntil = new Date(Date.now() - 1000);
      await uniqueClaims.claim('org', 'acme', orgId);
      await organizations.insertProvisioning({
        _id: orgId,
        name: 'Acme',
        slug: 'acme',
        collection_name: 'org_acme',
        lease_until: leaseUntil,
      });
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
