import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { type AuditActor, auditTarget } from '../../audit/persistence/audit-event.schema.js';
import { toObjectId } from '../../common/database/object-id.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import { AppConfig } from '../../config/app-config.js';
import { type Usage, TenantUsage, type UsageReservation } from '../../tenants/usage/tenant-usage.service.js';
import { QuotaDto, UsageDto } from '../dto/quota.dto.js';
import { OrganizationCleanup } from '../lifecycle/organization-cleanup.js';
import { OrganizationNotFoundError } from '../organization.errors.js';
import { OrganizationSuspensions } from '../organization-suspensions.service.js';
import { QuotaExceededError } from '../../tenants/tenants.errors.js';
import type { OrganizationRecord, QuotaOverride } from '../persistence/organization.schema.js';
import { OrganizationsRepository } from '../persistence/organizations.repository.js';

export type { Usage, UsageReservation } from '../../tenants/usage/tenant-usage.service.js';
export { recordBytes } from '../../tenants/usage/tenant-usage.service.js';

/** Each organization's quota (TENANT_MAX_DOCUMENTS / TENANT_MAX_BYTES, or an operator's override) and what its records use of it. */
@Injectable()
export class OrganizationQuotas implements OnModuleInit {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly usage: TenantUsage,
    private readonly cleanup: OrganizationCleanup,
    private readonly config: AppConfig,
    private readonly audit: AuditLogService,
    private readonly remembered: OrganizationSuspensions,
  ) {}

  onModuleInit(): void {
    // The ledger goes with the organization, inside its crash-safe delete.
    this.cleanup.register({ deleteOrganizationData: (orgId) => this.usage.forget(orgId) });
  }

  quotaOf(org: Pick<OrganizationRecord, 'quota'>): QuotaDto {
    return {
      max_documents: org.quota?.max_documents ?? this.config.tenantData.maxDocuments,
      max_bytes: org.quota?.max_bytes ?? this.config.tenantData.maxBytes,
    };
  }

  /**
   * Replaces the organization's override (a limit left out goes back to the default) and records it
   * as `organization.quota_changed`, with the override as set (null for a limit back to its
   * default); 404 unless it is visible.
   */
  async set(orgId: string, override: QuotaOverride, request: { by: AuditActor; origin: RequestOrigin }): Promise<QuotaDto> {
    const quota: QuotaOverride = {};
    if (override.max_documents !== undefined) quota.max_documents = override.max_documents;
    if (override.max_bytes !== undefined) quota.max_bytes = override.max_bytes;
    const org = await this.organizations.setQuota(toObjectId(orgId), quota);
    if (!org) throw new OrganizationNotFoundError();
    // A raised quota lets this instance's writes through at once.
    this.remembered.forget(org._id);
    await this.audit.record({
      orgId: org._id,
      action: AuditAction.OrganizationQuotaChanged,
      actor: request.by,
      target: auditTarget('organization', org),
      origin: request.origin,
      details: { max_documents: quota.max_documents ?? null, max_bytes: quota.max_bytes ?? null },
    });
    return this.quotaOf(org);
  }

  usageOf(org: Pick<OrganizationRecord, '_id' | 'placement'>): Promise<UsageDto> {
    return this.usage.current(org._id, org.placement);
  }

  /**
   * Runs a write under a claim of `delta` of the organization's quota (QuotaExceededError, 403,
   * when it would pass a limit): the write commits what it really changed; the claim is let go
   * when the write ends, whatever happened.
   */
  async whileReserved<T>(
    org: Pick<OrganizationRecord, '_id' | 'placement' | 'quota'>,
    delta: Usage,
    write: (reservation: UsageReservation) => Promise<T>,
  ): Promise<T> {
    const reservation = await this.reserve(org, delta);
    try {
      return await write(reservation);
    } finally {
      reservation.release();
    }
  }

  /**
   * QuotaExceededError (403) at once when what this instance knows within the staleness bound
   * already leaves no room for `delta`: the quota as remembered of the organization (see
   * OrganizationSuspensions) and its usage as this instance's ledger last confirmed it.
   * Otherwise nothing: the write's own reservation decides. A full organization's writes are thus
   * refused without a read of the organization (BENCHMARKS.md, quota refusal).
   */
  refuseKnownOverflow(orgId: string, delta: Usage): void {
    const quota = this.remembered.rememberedQuota(orgId);
    if (quota === undefined) return;
    const used = this.usage.knownUsage(orgId);
    if (!used) return;
    const limits = this.quotaOf({ quota });
    if (used.documents + delta.documents > limits.max_documents || used.bytes + delta.bytes > limits.max_bytes) {
      throw new QuotaExceededError();
    }
  }

  /** Claims `delta` of the organization's quota for a write; QuotaExceededError (403) when it would pass a limit. */
  reserve(org: Pick<OrganizationRecord, '_id' | 'placement' | 'quota'>, delta: Usage): Promise<UsageReservation> {
    const quota = this.quotaOf(org);
    return this.usage.reserve(org._id, org.placement, { maxDocuments: quota.max_documents, maxBytes: quota.max_bytes }, delta);
  }
}
