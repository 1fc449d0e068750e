import { Injectable } from '@nestjs/common';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import type { DeletedOrganizationDto } from '../organizations/dto/organization.view.dto.js';
import { OrganizationNotFoundError } from '../organizations/organization.errors.js';
import { OrganizationSuspensions } from '../organizations/organization-suspensions.service.js';
import {
  checkedSlugPrefix,
  isSuspended,
  type OrganizationRecord,
  OrganizationsService,
  toView,
} from '../organizations/organizations.service.js';
import type { QuotaDto } from '../organizations/dto/quota.dto.js';
import { OrganizationQuotas } from '../organizations/quotas/organization-quotas.service.js';
import type {
  PlatformOrganizationDetailDto,
  PlatformOrganizationPageDto,
  PlatformOrganizationViewDto,
} from './dto/platform-organization.view.dto.js';
import type { QuotaChangeDto } from './dto/quota-change.dto.js';
import type { PlatformOrganizationsQuery } from './dto/platform-organizations.query.js';

/** Every organization, for the platform's operators: listing, one by id, suspension, delete. */
@Injectable()
export class PlatformOrganizationsService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly suspensions: OrganizationSuspensions,
    private readonly memberships: MembershipsService,
    private readonly quotas: OrganizationQuotas,
  ) {}

  /** A page in creation order; with `name_prefix`, of the organizations whose name starts with it. Member counts in one read. */
  async list(query: PlatformOrganizationsQuery): Promise<PlatformOrganizationPageDto> {
    const slugPrefix = query.name_prefix === undefined ? undefined : checkedSlugPrefix(query.name_prefix);
    const page = await this.organizations.page(query, slugPrefix);
    const counts = await this.memberships.countByOrganization(page.items.map(({ _id }) => _id));
    return {
      items: page.items.map((org) => platformView(org, counts.get(org._id.toHexString()) ?? 0)),
      next_cursor: page.next_cursor,
    };
  }

  async get(orgId: string): Promise<PlatformOrganizationDetailDto> {
    const org = await this.organizations.findVisibleById(orgId);
    if (!org) throw new OrganizationNotFoundError();
    const [view, usage] = await Promise.all([this.withMemberCount(org), this.quotas.usageOf(org)]);
    return { ...view, quota: this.quotas.quotaOf(org), usage };
  }

  setQuota(orgId: string, change: QuotaChangeDto, operator: AuthenticatedOperator, origin: RequestOrigin): Promise<QuotaDto> {
    return this.quotas.set(orgId, change, { by: operator.actor, origin });
  }

  async suspend(orgId: string, operator: AuthenticatedOperator, origin: RequestOrigin): Promise<PlatformOrganizationViewDto> {
    return this.withMemberCount(await this.suspensions.suspend(toObjectId(orgId), { by: operator.actor, origin }));
  }

  async resume(orgId: string, operator: AuthenticatedOperator, origin: RequestOrigin): Promise<PlatformOrganizationViewDto> {
    return this.withMemberCount(await this.suspensions.resume(toObjectId(orgId), { by: operator.actor, origin }));
  }

  /** As DELETE /org/delete: the organization with its collection, memberships, invitations and audit log. */
  delete(orgId: string): Promise<DeletedOrganizationDto> {
    return this.organizations.deleteById(orgId);
  }

  private async withMemberCount(org: OrganizationRecord): Promise<PlatformOrganizationViewDto> {
    return platformView(org, await this.memberships.countInOrganization(org._id));
  }
}

function platformView(org: OrganizationRecord, memberCount: number): PlatformOrganizationViewDto {
  return { ...toView(org), member_count: memberCount, suspended: isSuspended(org), suspended_at: org.suspended_at ?? null };
}
