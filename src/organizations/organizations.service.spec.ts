import { AuditAction } from '../audit/audit-action.js';
import { InsufficientRoleError, InvalidTokenError, WeakPasswordError } from '../auth/auth.errors.js';
import { newObjectId } from '../common/database/object-id.js';
import { InvalidInputError } from '../common/errors/domain.error.js';
import { MemberRole } from '../members/member-role.js';
import { InvalidOrganizationInputError, NotYourOrganizationError, OrganizationNotFoundError } from './organization.errors.js';
import { inMemoryOrganizationsService } from './testing/in-memory-repositories.fakes.js';

const PASSWORD = 'a-Strong-passphrase-42';
const ORIGIN = { ip: '127.0.0.1', requestId: 'r-1' };

async function withOrganization(name = 'Acme Corp') {
  const stores = inMemoryOrganizationsService();
  const created = await stores.service.create({ organization_name: name, email: 'owner@acme.test', password: PASSWORD }, ORIGIN);
  const caller = {
    memberId: created.admin.id,
    orgId: created.id,
    email: 'owner@acme.test',
    role: MemberRole.Owner,
    credentialVersion: 1,
    token: { id: 'unit-test-token-id', expiresAt: new Date(Date.now() + 3_600_000) },
  };
  return { ...stores, created, caller };
}

describe('OrganizationsService', () => {
  it('creates an organization under its slug and shows no secrets', async () => {
    const { created, memberDocuments, audit } = await withOrganization('Café Ünïcode');
    expect(created).toMatchObject({
      organization_name: 'Café Ünïcode',
      slug: 'cafe_unicode',
      collection_name: 'org_cafe_unicode',
      status: 'active',
    });
    expect(created.admin).toEqual({ id: expect.any(String), email: 'owner@acme.test' });
    expect(JSON.stringify(created)).not.toContain('argon2');
    expect([...memberDocuments.documents.values()][0]).toMatchObject({
      role: MemberRole.Owner,
      password_hash: expect.stringMatching(/^\$argon2id\$/),
    });
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: AuditAction.OrganizationCreated, actor: created.admin, origin: ORIGIN }),
    ]);
  });

  it.each([
    ['a name without a letter or digit', { organization_name: '---' }, InvalidOrganizationInputError],
    ['a short password', { password: 'short' }, WeakPasswordError],
    ['a common password', { password: 'password1234' }, WeakPasswordError],
  ])('refuses %s and stores nothing', async (_label, change, error) => {
    const { service, organizations } = inMemoryOrganizationsService();
    await expect(
      service.create({ organization_name: 'Acme', email: 'owner@acme.test', password: PASSWORD, ...change }, ORIGIN),
    ).rejects.toBeInstanceOf(error);
    expect(organizations.documents.size).toBe(0);
  });

  it('finds an organization by any name with the same slug, and not a missing one', async () => {
    const { service, created } = await withOrganization();
    expect((await service.getByName('  ACME corp ')).id).toBe(created.id);
    await expect(service.getByName('Nobody')).rejects.toBeInstanceOf(OrganizationNotFoundError);
  });

  it('pages the list in creation order', async () => {
    const { service } = inMemoryOrganizationsService();
    for (const name of ['One', 'Two', 'Three']) {
      await service.create({ organization_name: name, email: `${name.toLowerCase()}@acme.test`, password: PASSWORD }, ORIGIN);
    }
    const first = await service.list({ limit: 2 });
    expect(first.items.map((org) => org.organization_name)).toEqual(['One', 'Two']);
    const second = await service.list({ limit: 2, cursor: first.next_cursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ organization_name: 'Three' })], next_cursor: null });
  });

  describe('update', () => {
    it('lets any member change its own credentials but only an admin rename', async () => {
      const { service, caller, tenants } = await withOrganization();
      const viewer = { ...caller, role: MemberRole.Viewer };
      await expect(service.update(viewer, { organization_name: 'Acme Renamed' }, ORIGIN)).rejects.toBeInstanceOf(InsufficientRoleError);
      expect([...tenants.collections.keys()]).toEqual(['org_acme_corp']);
      expect((await service.update(viewer, { organization_name: 'Acme Corp' }, ORIGIN)).organization.organization_name).toBe('Acme Corp');
      expect((await service.update(viewer, { password: 'another-Strong-passphrase' }, ORIGIN)).access_token).toContain('cv2');
    });

    it('refuses an empty change', async () => {
      const { service, caller } = await withOrganization();
      await expect(service.update(caller, {}, ORIGIN)).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('renames, moving the collection, and issues a fresh token', async () => {
      const { service, caller, tenants } = await withOrganization();
      const updated = await service.update(caller, { organization_name: 'Acme Renamed' }, ORIGIN);
      expect(updated).toMatchObject({
        previous_collection: 'org_acme_corp',
        current_collection: 'org_acme_renamed',
        documents_migrated: 0,
      });
      expect(updated.access_token).toContain('cv1');
      expect([...tenants.collections.keys()]).toEqual(['org_acme_renamed']);
    });

    it('changes only the spelling without moving anything', async () => {
      const { service, caller, tenants } = await withOrganization();
      const updated = await service.update(caller, { organization_name: 'ACME Corp' }, ORIGIN);
      expect(updated.organization.organization_name).toBe('ACME Corp');
      expect(updated.current_collection).toBe('org_acme_corp');
      expect([...tenants.collections.keys()]).toEqual(['org_acme_corp']);
    });

    it('bumps the credential version with a password change, and refuses the old token afterwards', async () => {
      const { service, caller } = await withOrganization();
      const updated = await service.update(caller, { password: 'another-Strong-passphrase' }, ORIGIN);
      expect(updated.access_token).toContain('cv2');
      await expect(service.update(caller, { password: 'a-third-Strong-passphrase' }, ORIGIN)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('refuses a token whose organization is gone', async () => {
      const { service, caller } = await withOrganization();
      await expect(
        service.update({ ...caller, orgId: newObjectId().toHexString() }, { organization_name: 'X' }, ORIGIN),
      ).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });

  describe('delete', () => {
    it('refuses another organization, by any of its names', async () => {
      const { service, caller } = await withOrganization();
      await service.create({ organization_name: 'Other', email: 'other@acme.test', password: PASSWORD }, ORIGIN);
      await expect(service.delete(caller, 'OTHER')).rejects.toBeInstanceOf(NotYourOrganizationError);
    });

    it("deletes the caller's organization and frees its name", async () => {
      const { service, caller } = await withOrganization();
      expect(await service.delete(caller, 'Acme Corp')).toEqual({
        message: 'Organization deleted',
        organization_name: 'Acme Corp',
        documents_deleted: 0,
      });
      await expect(service.getByName('Acme Corp')).rejects.toBeInstanceOf(OrganizationNotFoundError);
      await service.create({ organization_name: 'Acme Corp', email: 'owner@acme.test', password: PASSWORD }, ORIGIN);
    });
  });
});
