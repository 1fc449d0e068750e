import { AuditAction } from '../audit/audit-action.js';
import { InvalidInputError } from '../common/errors/domain.error.js';
import { MemberRole } from '../common/access/member-role.js';
import { newObjectId, toObjectId } from '../common/database/object-id.js';
import { OrganizationNotFoundError } from '../organizations/organization.errors.js';
import { inMemoryOrganizationServices, TEST_ORIGIN, TEST_PASSWORD } from '../organizations/testing/organizations.fakes.js';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { PlatformOrganizationsService } from './platform-organizations.service.js';

const OPERATOR: AuthenticatedOperator = { actor: { type: 'operator', id: '0123456789ab' }, orgId: null, role: null, account: null };

async function platformWith(names: string[]) {
  const services = inMemoryOrganizationServices();
  const platform = new PlatformOrganizationsService(services.service, services.suspensions, services.memberships, services.quotas);
  const created = [];
  for (const [index, name] of names.entries()) {
    created.push(
      await services.onboarding.create(
        { organization_name: name, email: `owner${index}@acme.test`, password: TEST_PASSWORD },
        null,
        TEST_ORIGIN,
      ),
    );
  }
  return { ...services, platform, created };
}

describe('PlatformOrganizationsService', () => {
  it('pages every organization in creation order with member counts; name_prefix by slug, whatever the case and accents', async () => {
    const { platform, memberships, created } = await platformWith(['Acme Corp', 'Globex', 'ACME Labs', 'Acmé Two']);
    await memberships.join({ _id: newObjectId(), org_id: toObjectId(created[0].id), account_id: newObjectId(), role: MemberRole.Viewer });

    const first = await platform.list({ limit: 2 });
    expect(first.items.map((org) => [org.organization_name, org.member_count, org.suspended])).toEqual([
      ['Acme Corp', 2, false],
      ['Globex', 1, false],
    ]);
    const rest = await platform.list({ limit: 2, cursor: first.next_cursor! });
    expect(rest.items.map((org) => org.organization_name)).toEqual(['ACME Labs', 'Acmé Two']);
    expect(rest.next_cursor).toBeNull();

    const acme = await platform.list({ name_prefix: 'acme' });
    expect(acme.items.map((org) => org.organization_name)).toEqual(['Acme Corp', 'ACME Labs', 'Acmé Two']);
    expect((await platform.list({ name_prefix: 'ACME l' })).items.map((org) => org.organization_name)).toEqual(['ACME Labs']);
    expect((await platform.list({ name_prefix: 'Initech' })).items).toEqual([]);
    await expect(platform.list({ name_prefix: '--' })).rejects.toThrow(InvalidInputError);
  });

  it('gets, suspends, resumes and deletes by id', async () => {
    const { platform, created, organizations } = await platformWith(['Acme Corp']);
    const id = created[0].id;
    expect(await platform.get(id)).toMatchObject({ id, member_count: 1, suspended: false, suspended_at: null });
    expect(await platform.suspend(id, OPERATOR, TEST_ORIGIN)).toMatchObject({ id, suspended: true, suspended_at: expect.any(Date) });
    expect(await platform.resume(id, OPERATOR, TEST_ORIGIN)).toMatchObject({ id, suspended: false, suspended_at: null });
    expect(await platform.delete(id)).toEqual({ message: 'Organization deleted', organization_name: 'Acme Corp', documents_deleted: 0 });
    expect(organizations.documents.size).toBe(0);
    await expect(platform.get(id)).rejects.toBeInstanceOf(OrganizationNotFoundError);
    await expect(platform.delete(id)).rejects.toBeInstanceOf(OrganizationNotFoundError);
  });

  it('sets the quota and records it as organization.quota_changed, the operator as actor and each limit left out as null', async () => {
    const { platform, created, auditEvents } = await platformWith(['Acme Corp']);
    const id = created[0].id;
    const quotaEvents = () => auditEvents.events.filter((event) => event.action === AuditAction.OrganizationQuotaChanged);
    expect(await platform.setQuota(id, { max_documents: 10 }, OPERATOR, TEST_ORIGIN)).toMatchObject({ max_documents: 10 });
    expect(quotaEvents()).toEqual([
      expect.objectContaining({
        org_id: toObjectId(id),
        actor: OPERATOR.actor,
        target: { type: 'organization', id },
        ip: TEST_ORIGIN.ip,
        request_id: TEST_ORIGIN.requestId,
        details: { max_documents: 10, max_bytes: null },
      }),
    ]);
    await platform.setQuota(id, {}, OPERATOR, TEST_ORIGIN);
    expect(quotaEvents().map(({ details }) => details)).toEqual([
      { max_documents: 10, max_bytes: null },
      { max_documents: null, max_bytes: null },
    ]);
    await expect(platform.setQuota(newObjectId().toHexString(), {}, OPERATOR, TEST_ORIGIN)).rejects.toBeInstanceOf(
      OrganizationNotFoundError,
    );
    expect(quotaEvents()).toHaveLength(2);
  });
});
