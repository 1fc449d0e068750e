import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AccountsService } from '../accounts/accounts.service.js';
import { EmailTakenError } from '../accounts/accounts.errors.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import type { AuthenticatedAccount, AuthenticatedMember } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { assertRole } from '../common/access/roles.js';
import { type ObjectId, newObjectId, toObjectId } from '../common/database/object-id.js';
import { CrashPoints } from '../common/faults/crash-points.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { ExclusiveKeys } from '../common/locks/lock-keys.js';
import { Locks } from '../common/locks/locks.service.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { AppConfig } from '../config/app-config.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import { toMemberView } from '../memberships/members.service.js';
import { OrganizationCleanup } from '../organizations/lifecycle/organization-cleanup.js';
import { OrganizationsService, toView as toOrganizationView } from '../organizations/organizations.service.js';
import { AccessTokens } from '../tokens/access-tokens.service.js';
import { AcceptedInvitationDto, CreatedInvitationDto, InvitationPageDto, InvitationViewDto } from './dto/invitation.view.dto.js';
import { InvitationCompletion } from './invitation-completion.service.js';
import {
  AccountPasswordError,
  AlreadyMemberError,
  InvitationBusyError,
  InvitationNotFoundError,
  InvitationPendingError,
} from './invitations.errors.js';
import type { InvitationRecord } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

const TOKEN_BYTES = 32;

export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Invitations into an organization: creating, listing, revoking. There is no mail server: the 201
 * carries the token once, and the application delivers it. An organization's delete removes its
 * invitations through OrganizationCleanup, and the reconciler finishes accepts a crash interrupted.
 */
@Injectable()
export class InvitationsService implements OnModuleInit {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly completion: InvitationCompletion,
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly locks: Locks,
    private readonly audit: AuditLogService,
    private readonly config: AppConfig,
    private readonly cleanup: OrganizationCleanup,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      deleteOrganizationData: (orgId) => this.invitations.deleteByOrganization(orgId),
      finishInterrupted: (staleLocks) => this.completion.finishInterrupted(staleLocks),
    });
  }

  async create(
    caller: AuthenticatedMember,
    input: { email: string; role: MemberRole },
    origin: RequestOrigin,
  ): Promise<CreatedInvitationDto> {
    if (input.role === MemberRole.Owner) assertRole(caller, MemberRole.Owner);
    const orgId = toObjectId(caller.orgId);
    const existing = await this.accounts.findByEmail(input.email);
    if (existing && (await this.memberships.find(orgId, existing._id))) throw new AlreadyMemberError();
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = new Date();
    const invitation: InvitationRecord = {
      _id: newObjectId(),
      org_id: orgId,
      email: input.email,
      role: input.role,
      invited_by: toObjectId(caller.actor.id),
      token_hash: hashInvitationToken(token),
      pending_key: `${caller.orgId}:${input.email}`,
      created_at: now,
      expires_at: new Date(now.getTime() + this.config.invitationTtlSeconds * 1000),
    };
    if (!(await this.invitations.insert(invitation))) {
      // An expired invitation no longer counts as pending: replace it.
      const holder = await this.invitations.findByPendingKey(invitation.pending_key);
      if (!holder || holder.expires_at > now) throw new InvitationPendingError();
      await this.invitations.delete(holder.org_id, holder._id);
      if (!(await this.invitations.insert(invitation))) throw new InvitationPendingError();
    }
    await this.audit.record({
      orgId,
      action: AuditAction.InvitationCreated,
      actor: caller.actor,
      target: auditTarget('invitation', invitation),
      origin,
      details: { role: invitation.role, expires_at: invitation.expires_at },
    });
    return { ...toInvitationView(invitation), invitation_token: token };
  }

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<InvitationPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? toObjectId(query.cursor) : undefined;
    // One extra invitation tells whether another page exists.
    const invitations = await this.invitations.pagePending(toObjectId(caller.orgId), new Date(), after, limit + 1);
    return toPage(invitations, limit, toInvitationView);
  }

  /** Holds the invitation's accept ticket while deleting it, so an accept in progress either finishes first or finds it gone. */
  async revoke(caller: AuthenticatedMember, invitationId: string, origin: RequestOrigin): Promise<void> {
    const orgId = toObjectId(caller.orgId);
    const invitation = await this.invitations.findById(toObjectId(invitationId));
    if (!invitation || !invitation.org_id.equals(orgId)) throw new InvitationNotFoundError();
    await this.locks.runExclusive(
      ExclusiveKeys.invitationAccept(invitation._id),
      async () => {
        if (!(await this.invitations.delete(orgId, invitation._id))) throw new InvitationNotFoundError();
      },
      () => {
        throw new InvitationBusyError();
      },
    );
    await this.audit.record({
      orgId,
      action: AuditAction.InvitationRevoked,
      actor: caller.actor,
      target: auditTarget('invitation', invitation),
      origin,
      details: { role: invitation.role },
    });
  }
}

/**
 * Accepting an invitation: as a new account (its password creates it), or as an existing one (by
 * its password or its token). The membership takes the invitation's own `_id` (and a new account
 * too), so every step can be repeated after a crash; the accept is won by inserting the
 * invitation's accept ticket, so of concurrent accepts of one token exactly one proceeds.
 */
@Injectable()
export class InvitationAcceptance {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly completion: InvitationCompletion,
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly organizations: OrganizationsService,
    private readonly locks: Locks,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokens,
    private readonly crashPoints: CrashPoints,
  ) {}

  async accept(
    input: { invitation_token: string; password?: string },
    caller: AuthenticatedAccount | null,
    origin: RequestOrigin,
  ): Promise<AcceptedInvitationDto> {
    const found = await this.invitations.findByTokenHash(hashInvitationToken(input.invitation_token));
    if (!isPending(found)) throw new InvitationNotFoundError();
    // The token of another account cannot accept an invitation to this email.
    if (caller && caller.account.email !== found.email) throw new InvitationNotFoundError();
    const existing = caller
      ? await this.accounts.findById(toObjectId(caller.account.accountId))
      : await this.accounts.findByEmail(found.email);
    if (caller && !existing) throw new InvitationNotFoundError();
    if (!caller && existing) {
      if (input.password === undefined || !(await this.hasher.verify(existing.password_hash, input.password)))
        throw new AccountPasswordError();
    }
    if (!existing) {
      if (input.password === undefined) throw new AccountPasswordError();
      this.hasher.assertAcceptable(input.password);
    }
    if (!(await this.organizations.findVisibleById(found.org_id))) throw new InvitationNotFoundError();
    const newAccount = existing ? null : { _id: found._id, email: found.email };
    const accountId: ObjectId = existing?._id ?? found._id;
    // Held until the membership exists and the invitation is gone; a crash leaves it to the reconciler.
    const invitation = await this.locks.runExclusive(
      ExclusiveKeys.invitationAccept(found._id),
      async () => {
        // Read again under the lock: an accept or a revoke that held it before may have used it up.
        const invitation = await this.invitations.findById(found._id);
        if (!isPending(invitation)) throw new InvitationNotFoundError();
        if (newAccount && !(await this.accounts.register({ ...newAccount, password_hash: await this.hasher.hash(input.password ?? '') }))) {
          throw new EmailTakenError();
        }
        this.crashPoints.reach('accept.after-claim');
        const joined = await this.memberships.join({
          _id: invitation._id,
          org_id: invitation.org_id,
          account_id: accountId,
          role: invitation.role,
        });
        if (joined === 'already-member') throw new AlreadyMemberError();
        this.crashPoints.reach('accept.after-member');
        await this.completion.finish(invitation, accountId.toHexString(), origin);
        // A membership made by an earlier, interrupted accept: that accept's answer was lost, not repeated.
        if (joined === 'repeated') throw new InvitationNotFoundError();
        return invitation;
      },
      () => {
        throw new InvitationNotFoundError();
      },
    );
    // The organization may have been deleted meanwhile, after its memberships were removed.
    const organization = await this.organizations.findVisibleById(invitation.org_id);
    const membership = organization ? await this.memberships.find(invitation.org_id, accountId) : null;
    const account = await this.accounts.findById(accountId);
    if (!organization || !membership || !account) {
      await this.memberships.leave(invitation.org_id, accountId);
      if (newAccount) await this.accounts.unregister(newAccount);
      throw new InvitationNotFoundError();
    }
    const token = await this.tokens.issue(account, membership);
    return { member: toMemberView(membership, account), organization: toOrganizationView(organization), ...token };
  }
}

/** Found and not expired. */
function isPending(invitation: InvitationRecord | null): invitation is InvitationRecord {
  return invitation !== null && invitation.expires_at > new Date();
}

function toInvitationView(invitation: InvitationRecord): InvitationViewDto {
  return {
    id: invitation._id.toHexString(),
    email: invitation.email,
    role: invitation.role,
    invited_by: invitation.invited_by.toHexString(),
    created_at: invitation.created_at,
    expires_at: invitation.expires_at,
  };
}
