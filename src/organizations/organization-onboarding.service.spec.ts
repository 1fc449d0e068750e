import { EmailTakenError, WeakPasswordError } from '../accounts/accounts.errors.js';
import { AuditAction } from '../audit/audit-action.js';
import { MemberRole } from '../common/access/member-role.js';
import { toObjectId } from '../common/database/object-id.js';
import { InvalidOrganizationInputError, OrganizationNameTakenError } from './organization.errors.js';
import { inMemoryOrganizationServices, TEST_ORIGIN, TEST_PASSWORD, withOrganization } from './testing/organizations.fakes.js';
import { accountCaller } from '../common/testing/callers.fakes.js';
import { tenantNamespace } from '../tenants/testing/tenants.fakes.js';

const EMAIL = 'owner@acme.test';

describe('OrganizationOnboarding', () => {
  describe('without a token', () => {
    it('creates an organization under its slug for a new account, made its owner, and shows no secrets', async () => {
      const { onboarding, accountDocuments, membershipDocuments, uniqueClaims, auditEvents } = inMemoryOrganizationServices();
      const created = await onboarding.create(
        { organization_name: 'Café Ünïcode', email: EMAIL, password: TEST_PASSWORD },
        null,
        TEST_ORIGIN,
      );
      expect(created).toMatchObject({
        organization_name: 'Café Ünïcode',
        slug: 'cafe_unicode',
        collection_name: 'org_cafe_unicode',
        placement: { mode: 'collection', cluster: 'default', database: 'tenant_db', collection: 'org_cafe_unicode' },
        status: 'active',
      });
      expect(created.admin).toEqual({ id: expect.any(String), email: EMAIL });
      expect(JSON.stringify(created)).not.toContain('argon2');
      const accountId = toObjectId(created.admin.id);
      expect(accountDocuments.documents.get(created.admin.id)).toMatchObject({
        email: EMAIL,
        credential_version: 1,
        password_hash: expect.stringMatching(/^\$argon2id\$/),
      });
      expect(membershipDocuments.of({ accountId })).toEqual([
        expect.objectContaining({ org_id: toObjectId(created.id), role: MemberRole.Owner }),
      ]);
      expect(uniqueClaims.held()[`email:${EMAIL}`]).toBe(created.admin.id);
      expect(auditEvents.events).toEqual([
        expect.objectContaining({
          org_id: toObjectId(created.id),
          action: AuditAction.OrganizationCreated,
          actor: { type: 'account', ...created.admin },
          target: { type: 'organization', id: created.id },
          ip: TEST_ORIGIN.ip,
          request_id: TEST_ORIGIN.requestId,
        }),
      ]);
    });

    it('stores a password that verifies, and only its hash', async () => {
      const { onboarding, accountDocuments, hasher } = inMemoryOrganizationServices();
      const created = await onboarding.create({ organization_name: 'Acme', email: EMAIL, password: TEST_PASSWORD }, null, TEST_ORIGIN);
      const { password_hash } = accountDocuments.documents.get(created.admin.id)!;
      expect(password_hash).not.toContain(TEST_PASSWORD);
      expect(await hasher.verify(password_hash, TEST_PASSWORD)).toBe(true);
    });

    it.each([
      ['a name without a letter or digit', { organization_name: '---' }, InvalidOrganizationInputError],
      ['a short password', { password: 'short' }, WeakPasswordError],
      ['a common password', { password: 'password1234' }, WeakPasswordError],
      ['no email', { email: undefined }, InvalidOrganizationInputError],
      ['no password', { password: undefined }, InvalidOrganizationInputError],
    ])('refuses %s and stores nothing', async (_label, change, error) => {
      const { onboarding, organizations, accountDocuments, uniqueClaims } = inMemoryOrganizationServices();
      await expect(
        onboarding.create({ organization_name: 'Acme', email: EMAIL, password: TEST_PASSWORD, ...change }, null, TEST_ORIGIN),
      ).rejects.toBeInstanceOf(error);
      expect(organizations.documents.size).toBe(0);
      expect(accountDocuments.documents.size).toBe(0);
      expect(uniqueClaims.held()).toEqual({});
    });

    it('refuses a taken name, and does not register the new account', async () => {
      const { onboarding, accountDocuments, uniqueClaims } = await withOrganization();
      await expect(
        onboarding.create({ organization_name: 'ACME corp', email: 'other@acme.test', password: TEST_PASSWORD }, null, TEST_ORIGIN),
      ).rejects.toBeInstanceOf(OrganizationNameTakenError);
      expect(accountDocuments.documents.size).toBe(1);
      expect(uniqueClaims.held()['email:other@acme.test']).toBeUndefined();
    });

    it('makes an existing account the owner with its own password: a second membership, the same account', async () => {
      const { onboarding, created, accountDocuments, membershipDocuments, uniqueClaims, auditEvents } = await withOrganization();
      const before = accountDocuments.documents.get(created.admin.id);

      const second = await onboarding.create({ organization_name: 'Beta', email: EMAIL, password: TEST_PASSWORD }, null, TEST_ORIGIN);

      expect(second).toMatchObject({ organization_name: 'Beta', slug: 'beta', status: 'active' });
      expect(second.admin).toEqual(created.admin);
      expect(accountDocuments.documents.size).toBe(1);
      expect(accountDocuments.documents.get(created.admin.id)).toEqual(before);
      expect(
        membershipDocuments
          .of({ accountId: toObjectId(created.admin.id) })
          .map((m) => [m.org_id.toHexString(), m.role])
          .sort(),
      ).toEqual(
        [
          [created.id, MemberRole.Owner],
          [second.id, MemberRole.Owner],
        ].sort(),
      );
      expect(uniqueClaims.held()[`email:${EMAIL}`]).toBe(created.admin.id);
      expect(auditEvents.ofAction(AuditAction.OrganizationCreated)).toEqual([
        expect.objectContaining({ org_id: toObjectId(created.id) }),
        expect.objectContaining({ org_id: toObjectId(second.id), actor: { type: 'account', ...created.admin } }),
      ]);
    });

    it("refuses an existing account's email with another password (409) and creates nothing", async () => {
      const { onboarding, created, organizations, accountDocuments, membershipDocuments, uniqueClaims, tenants, auditEvents } =
        await withOrganization();
      const claims = uniqueClaims.held();
      const account = accountDocuments.documents.get(created.admin.id);

      await expect(
        onboarding.create({ organization_name: 'Beta', email: EMAIL, password: 'not-the-owners-passphrase' }, null, TEST_ORIGIN),
      ).rejects.toBeInstanceOf(EmailTakenError);

      expect(organizations.documents.size).toBe(1);
      expect(uniqueClaims.held()).toEqual(claims);
      expect(accountDocuments.documents.size).toBe(1);
      expect(accountDocuments.documents.get(created.admin.id)).toEqual(account);
      expect(membershipDocuments.documents.size).toBe(1);
      expect([...tenants.collections.keys()]).toEqual([tenantNamespace('org_acme_corp')]);
      expect(auditEvents.events).toHaveLength(1);
    });
  });

  describe("with a person's token", () => {
    it("makes the caller's account the owner", async () => {
      const { onboarding, created, accountDocuments, membershipDocuments } = await withOrganization();
      const caller = accountCaller({ accountId: created.admin.id, email: EMAIL });

      const second = await onboarding.create({ organization_name: 'Beta' }, caller, TEST_ORIGIN);

      expect(second.admin).toEqual({ id: created.admin.id, email: EMAIL });
      expect(accountDocuments.documents.size).toBe(1);
      expect(membershipDocuments.of({ orgId: toObjectId(second.id) })).toEqual([
        expect.objectContaining({ account_id: toObjectId(created.admin.id), role: MemberRole.Owner }),
      ]);
      expect(membershipDocuments.of({ accountId: toObjectId(created.admin.id) })).toHaveLength(2);
    });

    it.each([
      ['an email', { email: 'someone@acme.test' }],
      ['a password', { password: TEST_PASSWORD }],
      ['both', { email: EMAIL, password: TEST_PASSWORD }],
    ])('refuses %s sent with it (400) and creates nothing', async (_label, credentials) => {
      const { onboarding, created, organizations, membershipDocuments, uniqueClaims } = await withOrganization();
      const claims = uniqueClaims.held();
      const caller = accountCaller({ accountId: created.admin.id, email: EMAIL });
      await expect(onboarding.create({ organization_name: 'Beta', ...credentials }, caller, TEST_ORIGIN)).rejects.toBeInstanceOf(
        InvalidOrganizationInputError,
      );
      expect(organizations.documents.size).toBe(1);
      expect(membershipDocuments.documents.size).toBe(1);
      expect(uniqueClaims.held()).toEqual(claims);
    });
  });
});
