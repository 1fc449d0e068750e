import { Injectable } from '@nestjs/common';
import { AccountsService, type AccountSummary } from '../accounts/accounts.service.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { assertRole } from '../common/access/roles.js';
import { toObjectId } from '../common/database/object-id.js';
import { CrashPoints } from '../common/faults/crash-points.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import type { Page } from '../common/paging/page.js';
import { MemberPageDto, MemberViewDto } from './dto/member.view.dto.js';
import { MembershipsService } from './memberships.service.js';
import { MemberNotFoundError } from './members.errors.js';
import type { MembershipRecord } from './persistence/membership.schema.js';
import { MembershipsRepository } from './persistence/memberships.repository.js';

/**
 * The people of an organization: listing, role changes and removal (or leaving). Changes that take
 * an owner away hold the organization's owners ticket while they check that another owner remains.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly directory: MembershipsService,
    private readonly accounts: AccountsService,
    private readonly audit: AuditLogService,
    private readonly crashPoints: CrashPoints,
  ) {}

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<MemberPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra member tells whether another page exists.
    const page = await this.memberships.pageOfOrganization(
      toObjectId(caller.orgId),
      query.cursor ? toObjectId(query.cursor) : undefined,
      limit + 1,
    );
    const items = page.slice(0, limit);
    const accounts = await this.accounts.summaries(items.map((membership) => membership.account_id));
    const views = items.flatMap((membership) => {
      const account = accounts.get(membership.account_id.toHexString());
      return account ? [toMemberView(membership, account)] : [];
    });
    const next: Page<MemberViewDto>['next_cursor'] = page.length > limit ? items[items.length - 1].account_id.toHexString() : null;
    return { items: views, next_cursor: next };
  }

  /** The caller's own membership; an API key is not a member. */
  async me(caller: AuthenticatedMember): Promise<MemberViewDto> {
    if (!caller.account) throw new MemberNotFoundError();
    return (await this.inCallersOrganization(caller, caller.account.accountId)).view;
  }

  async changeRole(caller: AuthenticatedMember, accountId: string, role: MemberRole, origin: RequestOrigin): Promise<MemberViewDto> {
    assertRole(caller, MemberRole.Admin);
    const target = await this.inCallersOrganization(caller, accountId);
    const from = target.membership.role;
    if (from === MemberRole.Owner || role === MemberRole.Owner) assertRole(caller, MemberRole.Owner);
    if (from === role) return target.view;
    const { org_id: orgId, account_id: targetId } = target.membership;
    const change = () => this.memberships.setRole(orgId, targetId, role);
    const updated = from === MemberRole.Owner ? await this.directory.whileAnotherOwnerRemains([orgId], targetId, change) : await change();
    if (!updated) throw new MemberNotFoundError();
    this.directory.forget(orgId, targetId);
    await this.audit.record({
      orgId,
      action: AuditAction.MemberRoleChanged,
      actor: caller.actor,
      target: { type: 'member', id: accountId, email: target.view.email },
      origin,
      details: { from, to: role },
    });
    return toMemberView(updated, target.account);
  }

  /** An admin removes a member, or a member leaves. The account stays, with its other memberships. */
  async remove(caller: AuthenticatedMember, accountId: string, origin: RequestOrigin): Promise<void> {
    const leaving = accountId === caller.account?.accountId;
    if (!leaving) assertRole(caller, MemberRole.Admin);
    const target = await this.inCallersOrganization(caller, accountId);
    const { org_id: orgId, account_id: targetId, role } = target.membership;
    if (role === MemberRole.Owner && !leaving) assertRole(caller, MemberRole.Owner);
    const removal = async () => {
      // Recorded first and once: a removal repeated after a crash finds the event already there.
      await this.audit.record({
        orgId,
        action: AuditAction.MemberRemoved,
        actor: caller.actor,
        target: { type: 'member', id: accountId, email: target.view.email },
        origin,
        details: { role, left: leaving },
        onceKey: `${AuditAction.MemberRemoved}:${target.membership._id.toHexString()}`,
      });
      this.crashPoints.reach('remove-member.after-audit');
      await this.directory.leave(orgId, targetId);
      this.crashPoints.reach('remove-member.after-delete');
    };
    if (role === MemberRole.Owner) await this.directory.whileAnotherOwnerRemains([orgId], targetId, removal);
    else await removal();
  }

  private async inCallersOrganization(
    caller: AuthenticatedMember,
    accountId: string,
  ): Promise<{ membership: MembershipRecord; account: AccountSummary; view: MemberViewDto }> {
    const membership = await this.memberships.find(toObjectId(caller.orgId), toObjectId(accountId));
    const account = membership ? (await this.accounts.summaries([membership.account_id])).get(accountId) : undefined;
    if (!membership || !account) throw new MemberNotFoundError();
    return { membership, account, view: toMemberView(membership, account) };
  }
}

export function toMemberView(
  membership: Pick<MembershipRecord, 'account_id' | 'role' | 'created_at' | 'updated_at'>,
  account: { email: string },
): MemberViewDto {
  return {
    id: membership.account_id.toHexString(),
    email: account.email,
    role: membership.role,
    created_at: membership.created_at,
    updated_at: membership.updated_at,
  };
}
