import { InvalidTokenError, WeakPasswordError } from '../auth/auth.errors.js';
import { newObjectId } from '../common/database/object-id.js';
import { InvalidInputError } from '../common/errors/domain.error.js';
import { InvalidOrganizationInputError, NotYourOrganizationError, OrganizationNotFoundError } from './organization.errors.js';
import { inMemoryOrganizationsService } from './testing/in-memory-repositories.fakes.js';

const PASSWORD = 'a-Strong-passphrase-42';

async function withOrganization(name = 'Acme Corp') {
  const stores = inMemoryOrganizationsService();
  const created = await stores.service.create({ organization_name: name, email: 'owner@acme.test', password: PASSWORD });
  const caller = { adminId: created.admin.id, orgId: created.id, credentialVersion: 1 };
  return { ...stores, created, caller };
}

describe('OrganizationsService', () => {
  it('creates an organization under its slug and shows no secrets', async () => {
    const { created, adminAccounts } = await withOrganization('Café Ünïcode');
    expect(created).toMatchObject({ organization_name: 'Café Ünïcode', slug: 'cafe_unicode', collection_name: 'org_cafe_unicode', status: 'active' });
    expect(created.admin).toEqual({ id: expect.any(String), email: 'owner@acme.test' });
    expect(JSON.stringify(created)).not.toContain('argon2');
    expect([...adminAccounts.documents.values()][0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it.each([
    ['a name without a letter or digit', { organization_name: '---' }, InvalidOrganizationInputError],
    ['a short password', { password: 'short' }, WeakPasswordError],
    ['a common password', { password: 'password1234' }, WeakPasswordError],
  ])('refuses %s and stores nothing', async (_label, change, error) => {
    const { service, organizations } = inMemoryOrganizationsService();
    await expect(service.create({ organization_name: 'Acme', email: 'owner@acme.test', password: PASSWORD, ...change })).rejects.toBeInstanceOf(error);
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
      await service.create({ organization_name: name, email: `${name.toLowerCase()}@acme.test`, password: PASSWORD });
    }
    const first = await service.list({ limit: 2 });
    expect(first.items.map((org) => org.organization_name)).toEqual(['One', 'Two']);
    const second = await service.list({ limit: 2, cursor: first.next_cursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ organization_name: 'Three' })], next_cursor: null });
  });

  describe('update', () => {
    it('refuses an empty change', async () => {
      const { service, caller } = await withOrganization();
      await expect(service.update(caller, {})).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('renames, moving the collection, and issues a fresh token', async () => {
      const { service, caller, tenants } = await withOrganization();
      const updated = await service.update(caller, { organization_name: 'Acme Renamed' });
      expect(updated).toMatchObject({ previous_collection: 'org_acme_corp', current_collection: 'org_acme_renamed', documents_migrated: 0 });
      expect(updated.access_token).toContain('cv1');
      expect([...tenants.collections.keys()]).toEqual(['org_acme_renamed']);
    });

    it('changes only the spelling without moving anything', async () => {
      const { service, caller, tenants } = await withOrganization();
      const updated = await service.update(caller, { organization_name: 'ACME Corp' });
      expect(updated.organization.organization_name).toBe('ACME Corp');
      expect(updated.current_collection).toBe('org_acme_corp');
      expect([...tenants.collections.keys()]).toEqual(['org_acme_corp']);
    });

    it('bumps the credential version with a password change, and refuses the old token afterwards', async () => {
      const { service, caller } = await withOrganization();
      const updated = await service.update(caller, { password: 'another-Strong-passphrase' });
      expect(updated.access_token).toContain('cv2');
      await expect(service.update(caller, { password: 'a-third-Strong-passphrase' })).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('refuses a token whose organization is gone', async () => {
      const { service, caller } = await withOrganization();
      await expect(service.update({ ...caller, orgId: newObjectId().toHexString() }, { organization_name: 'X' })).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    });
  });

  describe('delete', () => {
    it('refuses another organization, by any of its names', async () => {
      const { service, caller } = await withOrganization();
      await service.create({ organization_name: 'Other', email: 'other@acme.test', password: PASSWORD });
      await expect(service.delete(caller, 'OTHER')).rejects.toBeInstanceOf(NotYourOrganizationError);
    });

    it('deletes the caller\'s organization and frees its name', async () => {
      const { service, caller } = await withOrganization();
      expect(await service.delete(caller, 'Acme Corp')).toEqual({ message: 'Organization deleted', organization_name: 'Acme Corp', documents_deleted: 0 });
      await expect(service.getByName('Acme Corp')).rejects.toBeInstanceOf(OrganizationNotFoundError);
      await service.create({ organization_name: 'Acme Corp', email: 'owner@acme.test', password: PASSWORD });
    });
  });
});
