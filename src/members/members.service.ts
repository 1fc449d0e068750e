import { Injectable } from '@nestjs/common';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import { randomUUID } from 'node:crypto';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { AuthenticatedMember } from '../auth/authenticated-member.js';
import { assertRole } from '../auth/roles.js';
import { toObjectId } from '../common/database/object-id.js';
import { CrashPoints } from '../common/faults/crash-points.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { TransitionTicketsRepository } from '../common/locks/transition-tickets.repository.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { UniqueClaimsRepository } from '../common/uniqueness/unique-claims.repository.js';
import { MemberPageDto, MemberViewDto } from './dto/member.view.dto.js';
import { MemberAccountsService } from './member-accounts.service.js';
import { MemberRole } from './member-role.js';
import { LastOwnerError, MemberNotFoundError, OwnersBusyError } from './members.errors.js';
import type { MemberRecord } from './persistence/member.schema.js';
import { MembersRepository } from './persistence/members.repository.js';

type VisibleMember = Omit<MemberRecord, 'password_hash'>;

/**
 * The people of an organization: listing, role changes and removal. Changes that take an owner
 * away (demoting or removing one) hold the organization's owners ticket while they check that
 * another owner remains, so two owners demoting each other at once cannot both succeed:
 * FerretDB does not isolate concurrent conditional updates, an insert of one ticket it does.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly accounts: MemberAccountsService,
    private readonly tickets: TransitionTicketsRepository,
    private readonly uniqueClaims: UniqueClaimsRepository,
    private readonly audit: AuditLogService,
    private readonly crashPoints: CrashPoints,
  ) {}

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<MemberPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra member tells whether another page exists.
    const members = await this.members.page(toObjectId(caller.orgId), query.cursor ? toObjectId(query.cursor) : undefined, limit + 1);
    return toPage(members, limit, toMemberView);
  }

  async me(caller: AuthenticatedMember): Promise<MemberViewDto> {
    return toMemberView(await this.inCallersOrganization(caller, caller.memberId));
  }

  async changeRole(caller: AuthenticatedMember, memberId: string, role: MemberRole, origin: RequestOrigin): Promise<MemberViewDto> {
    assertRole(caller, MemberRole.Admin);
    const target = await this.inCallersOrganization(caller, memberId);
    if (target.role === MemberRole.Owner || role === MemberRole.Owner) assertRole(caller, MemberRole.Owner);
    if (target.role === role) return toMemberView(target);
    const change = () => this.members.setRole(target.org_id, target._id, role);
    const updated = target.role === MemberRole.Owner ? await this.whileAnotherOwnerRemains(target, change) : await change();
    if (!updated) throw new MemberNotFoundError();
    this.accounts.forget(target._id);
    await this.audit.record({
      orgId: target.org_id,
      action: AuditAction.MemberRoleChanged,
      actor: actorOf(caller),
      target: auditTarget('member', target),
      origin,
      details: { from: target.role, to: role },
    });
    return toMemberView(updated);
  }

  /** An admin removes a member, or any member leaves. */
  async remove(caller: AuthenticatedMember, memberId: string, origin: RequestOrigin): Promise<void> {
    const leaving = memberId === caller.memberId;
    if (!leaving) assertRole(caller, MemberRole.Admin);
    const target = await this.inCallersOrganization(caller, memberId);
    if (target.role === MemberRole.Owner && !leaving) assertRole(caller, MemberRole.Owner);
    const removal = async () => {
      // Recorded first and once: a removal repeated after a crash finds the event already there.
      await this.audit.record({
        orgId: target.org_id,
        action: AuditAction.MemberRemoved,
        actor: actorOf(caller),
        target: auditTarget('member', target),
        origin,
        details: { role: target.role, left: leaving },
        onceKey: `${AuditAction.MemberRemoved}:${target._id.toHexString()}`,
      });
      this.crashPoints.reach('remove-member.after-audit');
      await this.members.delete(target.org_id, target._id);
      this.accounts.forget(target._id);
      this.crashPoints.reach('remove-member.after-delete');
      await this.uniqueClaims.release('email', target.email, target._id);
      return target;
    };
    if (target.role === MemberRole.Owner) await this.whileAnotherOwnerRemains(target, removal);
    else await removal();
  }

  private async inCallersOrganization(caller: AuthenticatedMember, memberId: string): Promise<VisibleMember> {
    const member = await this.members.findInOrganization(toObjectId(caller.orgId), toObjectId(memberId));
    if (!member) throw new MemberNotFoundError();
    return member;
  }

  /** Runs `change`, which takes `owner` away from the target, only while holding the owners ticket and while another owner exists. */
  private async whileAnotherOwnerRemains<T>(target: VisibleMember, change: () => Promise<T>): Promise<T> {
    const ticket = `owners:${target.org_id.toHexString()}`;
    const holder = randomUUID();
    if (!(await this.tickets.take(ticket, holder))) throw new OwnersBusyError();
    try {
      const owners = await this.members.ownerIds(target.org_id);
      if (!owners.some((id) => !id.equals(target._id))) throw new LastOwnerError();
      return await change();
    } finally {
      await this.tickets.release(ticket, holder);
    }
  }
}

export function toMemberView(member: VisibleMember): MemberViewDto {
  return {
    id: member._id.toHexString(),
    email: member.email,
    role: member.role,
    created_at: member.created_at,
    updated_at: member.updated_at,
  };
}

export function actorOf(caller: AuthenticatedMember): { id: string; email: string } {
  return { id: caller.memberId, email: caller.email };
}
