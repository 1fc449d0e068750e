import { CredentialsBusyError, EmailTakenError, WeakPasswordError } from '../accounts/accounts.errors.js';
import { AuditAction } from '../audit/audit-action.js';
import { InsufficientRoleError, InvalidTokenError, PersonOnlyError } from '../common/access/access.errors.js';
import { MemberRole } from '../common/access/member-role.js';
import { newObjectId, toObjectId } from '../common/database/object-id.js';
import { InvalidInputError } from '../common/errors/domain.error.js';
import { OrganizationBusyError } from './organization.errors.js';
import { OrganizationStatus } from './persistence/organization.schema.js';
import { TEST_ORIGIN, TEST_PASSWORD, withOrganization } from './testing/organizations.fakes.js';
import { accountCaller, apiKeyCaller, memberCaller } from '../common/testing/callers.fakes.js';
import { tenantNamespace } from '../tenants/testing/tenants.fakes.js';

const NEW_PASSWORD = 'another-Strong-passphrase';

describe('OrganizationUpdates', () => {
  it('lets any member change its own credentials but only an admin rename', async () => {
    const { updates, caller, tenants, claimsOf } = await withOrganization();
    const viewer = { ...caller, role: MemberRole.Viewer };
    await expect(updates.update(viewer, { organization_name: 'Acme Renamed' }, TEST_ORIGIN)).rejects.toBeInstanceOf(InsufficientRoleError);
    expect([...tenants.collections.keys()]).toEqual([tenantNamespace('org_acme_corp')]);
    // The current name is no rename.
    expect((await updates.update(viewer, { organization_name: 'Acme Corp' }, TEST_ORIGIN)).organization.organization_name).toBe(
      'Acme Corp',
    );
    const updated = await updates.update(viewer, { password: NEW_PASSWORD }, TEST_ORIGIN);
    expect(claimsOf(updated.access_token)).toMatchObject({ sub: caller.account!.accountId, org_id: caller.orgId, cv: 2 });
  });

  it('refuses an empty change', async () => {
    const { updates, caller } = await withOrganization();
    await expect(updates.update(caller, {}, TEST_ORIGIN)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a weak password before anything else', async () => {
    const { updates, caller, accountDocuments } = await withOrganization();
    const before = accountDocuments.documents.get(caller.account!.accountId);
    await expect(updates.update(caller, { password: 'short' }, TEST_ORIGIN)).rejects.toBeInstanceOf(WeakPasswordError);
    expect(accountDocuments.documents.get(caller.account!.accountId)).toEqual(before);
  });

  it('renames, moving the collection, reports the records the quota ledger counts, and issues a fresh token of the same credentials', async () => {
    const { updates, caller, tenants, usage, claimsOf } = await withOrganization();
    tenants.collections.set(tenantNamespace('org_acme_corp'), 2);
    usage.usage.set(caller.orgId, { documents: 2, bytes: 40 });
    const updated = await updates.update(caller, { organization_name: 'Acme Renamed' }, TEST_ORIGIN);
    expect(updated).toMatchObject({
      message: 'Organization updated',
      organization: { organization_name: 'Acme Renamed', slug: 'acme_renamed', status: OrganizationStatus.Active },
      previous_collection: 'org_acme_corp',
      current_collection: 'org_acme_renamed',
      documents_migrated: 2,
    });
    expect(claimsOf(updated.access_token)).toMatchObject({ org_id: caller.orgId, cv: 1 });
    expect([...tenants.collections]).toEqual([[tenantNamespace('org_acme_renamed'), 2]]);
  });

  it('changes only the spelling without moving anything', async () => {
    const { updates, caller, tenants } = await withOrganization();
    const updated = await updates.update(caller, { organization_name: 'ACME Corp' }, TEST_ORIGIN);
    expect(updated.organization.organization_name).toBe('ACME Corp');
    expect(updated.current_collection).toBe('org_acme_corp');
    expect(updated.documents_migrated).toBe(0);
    expect([...tenants.collections.keys()]).toEqual([tenantNamespace('org_acme_corp')]);
  });

  it("writes nothing for the current name and the caller's own email", async () => {
    const { updates, caller, organizations, accountDocuments, tickets, claimsOf } = await withOrganization();
    const org = organizations.documents.get(caller.orgId);
    const account = accountDocuments.documents.get(caller.account!.accountId);
    const updated = await updates.update(caller, { organization_name: 'Acme Corp', email: caller.account!.email }, TEST_ORIGIN);
    expect(claimsOf(updated.access_token)).toMatchObject({ cv: 1 });
    expect(organizations.documents.get(caller.orgId)).toEqual(org);
    expect(accountDocuments.documents.get(caller.account!.accountId)).toEqual(account);
    expect(tickets.tickets.size).toBe(0);
  });

  it('bumps the credential version with a password change, and refuses the old token afterwards', async () => {
    const { updates, caller, accountDocuments, hasher, claimsOf } = await withOrganization();
    const updated = await updates.update(caller, { password: NEW_PASSWORD }, TEST_ORIGIN);
    expect(claimsOf(updated.access_token)).toMatchObject({ cv: 2 });
    const account = accountDocuments.documents.get(caller.account!.accountId)!;
    expect(account.credential_version).toBe(2);
    expect(await hasher.verify(account.password_hash, NEW_PASSWORD)).toBe(true);
    await expect(updates.update(caller, { password: 'a-third-Strong-passphrase' }, TEST_ORIGIN)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("changes the account's email everywhere: the claim moves, logins find it, and each of its organizations records it", async () => {
    const { updates, onboarding, caller, accounts, uniqueClaims, auditEvents, claimsOf } = await withOrganization();
    const beta = await onboarding.create({ organization_name: 'Beta' }, accountCaller(caller.account!), TEST_ORIGIN);

    const updated = await updates.update(caller, { email: 'new@acme.test' }, TEST_ORIGIN);

    expect(claimsOf(updated.access_token)).toMatchObject({ cv: 2 });
    expect(await accounts.findByEmail('new@acme.test')).toMatchObject({
      _id: toObjectId(caller.account!.accountId),
      credential_version: 2,
    });
    expect(await accounts.findByEmail('owner@acme.test')).toBeNull();
    expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
    expect(uniqueClaims.held()['email:new@acme.test']).toBe(caller.account!.accountId);
    expect(
      auditEvents
        .ofAction(AuditAction.MemberCredentialsChanged)
        .map((event) => event.org_id.toHexString())
        .sort(),
    ).toEqual([caller.orgId, beta.id].sort());
  });

  it("refuses another account's email and changes nothing", async () => {
    const { updates, onboarding, caller, accountDocuments, uniqueClaims } = await withOrganization();
    await onboarding.create({ organization_name: 'Other', email: 'other@acme.test', password: TEST_PASSWORD }, null, TEST_ORIGIN);
    const claims = uniqueClaims.held();
    await expect(updates.update(caller, { email: 'other@acme.test', password: NEW_PASSWORD }, TEST_ORIGIN)).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    expect(accountDocuments.documents.get(caller.account!.accountId)).toMatchObject({ email: 'owner@acme.test', credential_version: 1 });
    expect(uniqueClaims.held()).toEqual(claims);
  });

  it("renames and changes the caller's credentials in one operation", async () => {
    const { updates, caller, accounts, accountDocuments, uniqueClaims, tenants, hasher, claimsOf } = await withOrganization();
    const updated = await updates.update(
      caller,
      { organization_name: 'Acme Renamed', email: 'new@acme.test', password: NEW_PASSWORD },
      TEST_ORIGIN,
    );
    expect(updated.current_collection).toBe('org_acme_renamed');
    expect([...tenants.collections.keys()]).toEqual([tenantNamespace('org_acme_renamed')]);
    expect(claimsOf(updated.access_token)).toMatchObject({ cv: 2 });
    const account = accountDocuments.documents.get(caller.account!.accountId)!;
    expect(account).toMatchObject({ email: 'new@acme.test', credential_version: 2 });
    expect(await hasher.verify(account.password_hash, NEW_PASSWORD)).toBe(true);
    expect(await accounts.credentialState(caller.account!.accountId)).toEqual({ email: 'new@acme.test', credential_version: 2 });
    expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
  });

  it('refuses a token whose organization is gone', async () => {
    const { updates, caller } = await withOrganization();
    await expect(
      updates.update({ ...caller, orgId: newObjectId().toHexString() }, { organization_name: 'X' }, TEST_ORIGIN),
    ).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses while another operation holds the organization', async () => {
    const { updates, caller, organizations } = await withOrganization();
    organizations.documents.get(caller.orgId)!.status = OrganizationStatus.Migrating;
    await expect(updates.update(caller, { organization_name: 'Acme Renamed' }, TEST_ORIGIN)).rejects.toBeInstanceOf(OrganizationBusyError);
  });

  describe('by an API key', () => {
    it.each([
      ['an email', { email: 'new@acme.test' }],
      ['a password', { password: NEW_PASSWORD }],
      ['a rename with a password', { organization_name: 'Acme Renamed', password: NEW_PASSWORD }],
    ])('refuses %s: there is no account to change', async (_label, changes) => {
      const { updates, caller, accountDocuments, tenants } = await withOrganization();
      const account = accountDocuments.documents.get(caller.account!.accountId);
      await expect(updates.update(apiKeyCaller(caller.orgId, MemberRole.Admin), changes, TEST_ORIGIN)).rejects.toBeInstanceOf(
        PersonOnlyError,
      );
      expect(accountDocuments.documents.get(caller.account!.accountId)).toEqual(account);
      expect([...tenants.collections.keys()]).toEqual([tenantNamespace('org_acme_corp')]);
    });

    it('renames with an admin key, and hands out no token', async () => {
      const { updates, caller, auditEvents } = await withOrganization();
      const key = apiKeyCaller(caller.orgId, MemberRole.Admin);
      const updated = await updates.update(key, { organization_name: 'Acme Renamed' }, TEST_ORIGIN);
      expect(updated).toMatchObject({ current_collection: 'org_acme_renamed', access_token: null });
      expect(auditEvents.ofAction(AuditAction.OrganizationRenamed)).toEqual([expect.objectContaining({ actor: key.actor })]);
    });
  });

  describe('concurrent credential changes of one account', () => {
    it('applies exactly one of two changes from the same credential version', async () => {
      const { updates, caller, accountDocuments, uniqueClaims } = await withOrganization();
      const results = await Promise.allSettled([
        updates.update(caller, { email: 'first@acme.test' }, TEST_ORIGIN),
        updates.update(caller, { email: 'second@acme.test' }, TEST_ORIGIN),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = results.find((result) => result.status === 'rejected')!;
      expect(refused.reason).toBeInstanceOf(CredentialsBusyError);
      const account = accountDocuments.documents.get(caller.account!.accountId)!;
      expect(account.credential_version).toBe(2);
      expect(['first@acme.test', 'second@acme.test']).toContain(account.email);
      const loser = account.email === 'first@acme.test' ? 'second@acme.test' : 'first@acme.test';
      expect(uniqueClaims.held()[`email:${loser}`]).toBeUndefined();
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
    });

    it('applies exactly one of two changes made from the same version one after the other', async () => {
      const { accounts, caller, accountDocuments, uniqueClaims } = await withOrganization();
      const accountId = toObjectId(caller.account!.accountId);
      const request = { by: caller.actor, origin: TEST_ORIGIN, orgIds: [toObjectId(caller.orgId)] };
      await accounts.changeCredentials(
        { account_id: accountId, email: 'first@acme.test', credential_version: 2 },
        'owner@acme.test',
        request,
      );
      await expect(
        accounts.changeCredentials({ account_id: accountId, email: 'second@acme.test', credential_version: 2 }, 'first@acme.test', request),
      ).rejects.toBeInstanceOf(CredentialsBusyError);
      expect(accountDocuments.documents.get(accountId.toHexString())?.email).toBe('first@acme.test');
      expect(uniqueClaims.held()['email:second@acme.test']).toBeUndefined();
      expect(uniqueClaims.held()['email:owner@acme.test']).toBeUndefined();
    });
  });

  it("changes only the caller's own account, whichever organization it acts in", async () => {
    const { updates, onboarding, caller, accountDocuments } = await withOrganization();
    const other = await onboarding.create(
      { organization_name: 'Other', email: 'other@acme.test', password: TEST_PASSWORD },
      null,
      TEST_ORIGIN,
    );
    const otherAccount = accountDocuments.documents.get(other.admin.id);
    const otherOwner = memberCaller({ accountId: other.admin.id, email: 'other@acme.test', orgId: other.id, role: MemberRole.Owner });
    await updates.update(caller, { password: NEW_PASSWORD }, TEST_ORIGIN);
    expect(accountDocuments.documents.get(other.admin.id)).toEqual(otherAccount);
    expect((await updates.update(otherOwner, { organization_name: 'Other Renamed' }, TEST_ORIGIN)).current_collection).toBe(
      'org_other_renamed',
    );
  });
});
