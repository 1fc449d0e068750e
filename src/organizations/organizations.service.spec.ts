import { InvalidTokenError } from '../common/access/access.errors.js';
import { MemberRole } from '../common/access/member-role.js';
import { newObjectId } from '../common/database/object-id.js';
import {
  InvalidOrganizationInputError,
  NotYourOrganizationError,
  OrganizationBusyError,
  OrganizationNotFoundError,
} from './organization.errors.js';
import { OrganizationStatus } from './persistence/organization.schema.js';
import { inMemoryOrganizationServices, TEST_ORIGIN, TEST_PASSWORD, withOrganization } from './testing/organizations.fakes.js';
import { memberCaller } from '../common/testing/callers.fakes.js';
import { tenantNamespace } from '../tenants/testing/tenants.fakes.js';

describe('OrganizationsService', () => {
  describe('lookups', () => {
    it('finds an organization by any name with the same slug, and not a missing one', async () => {
      const { service, created } = await withOrganization();
      expect((await service.getByName('  ACME corp ')).id).toBe(created.id);
      await expect(service.getByName('Nobody')).rejects.toBeInstanceOf(OrganizationNotFoundError);
    });

    it('refuses a name no organization could have', async () => {
      const { service } = await withOrganization();
      await expect(service.getByName('---')).rejects.toBeInstanceOf(InvalidOrganizationInputError);
    });

    it('finds a renamed organization by its new name only', async () => {
      const { service, updates, caller, created } = await withOrganization();
      await updates.update(caller, { organization_name: 'Acme Renamed' }, TEST_ORIGIN);
      expect((await service.getByName('Acme Renamed')).id).toBe(created.id);
      await expect(service.getByName('Acme Corp')).rejects.toBeInstanceOf(OrganizationNotFoundError);
    });

    it('does not show an organization mid-create or mid-delete', async () => {
      const { service, organizations, created } = await withOrganization();
      const stored = organizations.documents.get(created.id)!;
      for (const status of [OrganizationStatus.Provisioning, OrganizationStatus.Deleting]) {
        stored.status = status;
        await expect(service.getByName('Acme Corp')).rejects.toBeInstanceOf(OrganizationNotFoundError);
        expect(await service.findVisibleById(created.id)).toBeNull();
        expect((await service.list({})).items).toEqual([]);
      }
    });
  });

  it('pages the list in creation order', async () => {
    const { service, onboarding } = inMemoryOrganizationServices();
    for (const name of ['One', 'Two', 'Three']) {
      await onboarding.create(
        { organization_name: name, email: `${name.toLowerCase()}@acme.test`, password: TEST_PASSWORD },
        null,
        TEST_ORIGIN,
      );
    }
    const first = await service.list({ limit: 2 });
    expect(first.items.map((org) => org.organization_name)).toEqual(['One', 'Two']);
    const second = await service.list({ limit: 2, cursor: first.next_cursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ organization_name: 'Three' })], next_cursor: null });
  });

  it("measures the caller's own collection", async () => {
    const { service, tenants, caller } = await withOrganization();
    tenants.collections.set(tenantNamespace('org_acme_corp'), 3);
    expect(await service.collectionStats(caller)).toMatchObject({ collection_name: 'org_acme_corp', documents: 3 });
  });

  it('refuses a token whose organization is gone', async () => {
    const { service, caller } = await withOrganization();
    await expect(service.findOwnOrganization({ ...caller, orgId: newObjectId().toHexString() })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  describe('delete', () => {
    it('refuses another organization, by any of its names', async () => {
      const { service, onboarding, caller, organizations } = await withOrganization();
      await onboarding.create({ organization_name: 'Other', email: 'other@acme.test', password: TEST_PASSWORD }, null, TEST_ORIGIN);
      await expect(service.delete(caller, 'OTHER')).rejects.toBeInstanceOf(NotYourOrganizationError);
      expect(organizations.documents.size).toBe(2);
    });

    it("refuses a name that is not the caller's organization's without looking the name up", async () => {
      const { service, onboarding, caller, uniqueClaims, organizations } = await withOrganization();
      const other = await onboarding.create(
        { organization_name: 'Other', email: 'other@acme.test', password: TEST_PASSWORD },
        null,
        TEST_ORIGIN,
      );
      const claimReads: string[] = [];
      const ownerOf = uniqueClaims.ownerOf.bind(uniqueClaims);
      uniqueClaims.ownerOf = (kind, value) => {
        claimReads.push(`${kind}:${value}`);
        return ownerOf(kind, value);
      };
      const orgReads: string[] = [];
      const findById = organizations.findById.bind(organizations);
      organizations.findById = (orgId) => {
        orgReads.push(typeof orgId === 'string' ? orgId : orgId.toHexString());
        return findById(orgId);
      };

      await expect(service.delete(caller, 'Other')).rejects.toBeInstanceOf(NotYourOrganizationError);
      // Whether or not an organization has the name: the same answer, from the slug remembered of
      // the caller's organization (which the guard's suspension check loads anyway), reading neither document.
      await expect(service.delete(caller, 'Nobody')).rejects.toBeInstanceOf(NotYourOrganizationError);
      expect(claimReads).toEqual([]);
      expect(orgReads).toEqual([]);
      expect(orgReads).not.toContain(other.id);
    });

    it('refuses a name no organization could have before anything else', async () => {
      const { service, caller } = await withOrganization();
      await expect(service.delete(caller, '---')).rejects.toBeInstanceOf(InvalidOrganizationInputError);
    });

    it('refuses while another operation holds the organization', async () => {
      const { service, organizations, caller, created } = await withOrganization();
      organizations.documents.get(created.id)!.status = OrganizationStatus.Migrating;
      await expect(service.delete(caller, 'Acme Corp')).rejects.toBeInstanceOf(OrganizationBusyError);
      expect(organizations.documents.size).toBe(1);
    });

    it('refuses a token whose organization is gone', async () => {
      const { service, caller } = await withOrganization();
      await expect(service.delete({ ...caller, orgId: newObjectId().toHexString() }, 'Acme Corp')).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    });

    it("deletes the caller's organization and frees its name; the owner's account stays and may create it again", async () => {
      const { service, onboarding, caller, membershipDocuments, accountDocuments } = await withOrganization();
      expect(await service.delete(caller, 'Acme Corp')).toEqual({
        message: 'Organization deleted',
        organization_name: 'Acme Corp',
        documents_deleted: 0,
      });
      await expect(service.getByName('Acme Corp')).rejects.toBeInstanceOf(OrganizationNotFoundError);
      expect(membershipDocuments.documents.size).toBe(0);
      expect(accountDocuments.documents.size).toBe(1);

      const again = await onboarding.create(
        { organization_name: 'Acme Corp', email: 'owner@acme.test', password: TEST_PASSWORD },
        null,
        TEST_ORIGIN,
      );
      expect(again.admin.id).toBe(caller.account!.accountId);
      expect(again.id).not.toBe(caller.orgId);
      const owner = memberCaller({ accountId: again.admin.id, email: 'owner@acme.test', orgId: again.id, role: MemberRole.Owner });
      expect((await service.findOwnOrganization(owner)).name).toBe('Acme Corp');
    });
  });
});
