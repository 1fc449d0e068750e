import { AuditAction } from '../audit/audit-action.js';
import { toObjectId } from '../common/database/object-id.js';
import { OrganizationNotFoundError } from './organization.errors.js';
import { OrganizationStatus } from './persistence/organization.schema.js';
import { TEST_ORIGIN, withOrganization } from './testing/organizations.fakes.js';

const OPERATOR = { by: { type: 'operator' as const, id: '0123456789ab' }, origin: TEST_ORIGIN };

describe('OrganizationSuspensions', () => {
  it('suspends and resumes without moving the lifecycle epoch, each change recorded once with the operator as actor', async () => {
    const { suspensions, organizations, auditEvents, created } = await withOrganization();
    const orgId = toObjectId(created.id);
    const epoch = organizations.documents.get(created.id)!.lifecycle_epoch;

    const suspended = await suspensions.suspend(orgId, OPERATOR);
    expect(suspended.suspended_at).toEqual(expect.any(Date));
    const again = await suspensions.suspend(orgId, OPERATOR);
    expect(again.suspended_at).toEqual(suspended.suspended_at);
    expect(auditEvents.ofAction(AuditAction.OrganizationSuspended)).toEqual([
      expect.objectContaining({ actor: OPERATOR.by, target: { type: 'organization', id: created.id }, request_id: TEST_ORIGIN.requestId }),
    ]);

    expect((await suspensions.resume(orgId, OPERATOR)).suspended_at).toBeNull();
    expect((await suspensions.resume(orgId, OPERATOR)).suspended_at).toBeNull();
    expect(auditEvents.ofAction(AuditAction.OrganizationResumed)).toHaveLength(1);
    await suspensions.suspend(orgId, OPERATOR);
    expect(auditEvents.ofAction(AuditAction.OrganizationSuspended)).toHaveLength(2);
    expect(organizations.documents.get(created.id)!.lifecycle_epoch).toBe(epoch);
  });

  it('answers a change at once on this instance, though it remembered the state before', async () => {
    const { suspensions, created } = await withOrganization();
    expect(await suspensions.isSuspended(created.id)).toBe(false);
    await suspensions.suspend(toObjectId(created.id), OPERATOR);
    expect(await suspensions.isSuspended(created.id)).toBe(true);
    expect(await suspensions.isSuspended(created.id.toUpperCase())).toBe(true);
    await suspensions.resume(toObjectId(created.id), OPERATOR);
    expect(await suspensions.isSuspended(created.id)).toBe(false);
  });

  it('remembers the state for the staleness bound instead of reading it per request', async () => {
    const { suspensions, organizations, created } = await withOrganization();
    expect(await suspensions.isSuspended(created.id)).toBe(false);
    // Another instance suspends it: this one keeps its answer for at most the bound.
    organizations.documents.get(created.id)!.suspended_at = new Date();
    expect(await suspensions.isSuspended(created.id)).toBe(false);
    // A read of the organization's document this instance makes anyway refreshes it.
    await suspensions.reading(created.id, () => organizations.findById(created.id));
    expect(await suspensions.isSuspended(created.id)).toBe(true);
  });

  it('records a change that concurrent requests make once', async () => {
    const { suspensions, auditEvents, created } = await withOrganization();
    await Promise.all([1, 2, 3].map(() => suspensions.suspend(toObjectId(created.id), OPERATOR)));
    expect(auditEvents.ofAction(AuditAction.OrganizationSuspended)).toHaveLength(1);
  });

  it('answers 404 for an organization that is gone or not visible', async () => {
    const { suspensions, organizations, created } = await withOrganization();
    await expect(suspensions.suspend(toObjectId('0123456789abcdef01234567'), OPERATOR)).rejects.toBeInstanceOf(OrganizationNotFoundError);
    organizations.documents.get(created.id)!.status = OrganizationStatus.Deleting;
    await expect(suspensions.suspend(toObjectId(created.id), OPERATOR)).rejects.toBeInstanceOf(OrganizationNotFoundError);
    expect(await suspensions.isSuspended('0123456789abcdef01234567')).toBe(false);
  });
});
