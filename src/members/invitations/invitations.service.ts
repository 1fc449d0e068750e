import { Injectable } from '@nestjs/common';
import { auditTarget } from '../../audit/persistence/audit-event.schema.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { EmailTakenError, WeakPasswordError } from '../../auth/auth.errors.js';
import { AuthService } from '../../auth/auth.service.js';
import type { AuthenticatedMember } from '../../auth/authenticated-member.js';
import { PasswordHasher } from '../../auth/password-hasher.service.js';
import { passwordProblem } from '../../auth/password-policy.js';
import { assertRole } from '../../auth/roles.js';
import { newObjectId, toObjectId } from '../../common/database/object-id.js';
import { CrashPoints } from '../../common/faults/crash-points.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import { TransitionTicketsRepository } from '../../common/locks/transition-tickets.repository.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../../common/paging/page.query.js';
import { toPage } from '../../common/paging/page.js';
import { UniqueClaimsRepository } from '../../common/uniqueness/unique-claims.repository.js';
import { AppConfig } from '../../config/app-config.js';
import { OrganizationsService, toView as toOrganizationView } from '../../organizations/organizations.service.js';
import { MemberAccountsService } from '../member-accounts.service.js';
import { MemberRole } from '../member-role.js';
import { actorOf, toMemberView } from '../members.service.js';
import { AcceptedInvitationDto, CreatedInvitationDto, InvitationPageDto, InvitationViewDto } from './dto/invitation.view.dto.js';
import { acceptTicket, InvitationCompletion } from './invitation-completion.service.js';
import { AlreadyMemberError, InvitationBusyError, InvitationNotFoundError, InvitationPendingError } from './invitations.errors.js';
import type { InvitationRecord } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

const TOKEN_BYTES = 32;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Invitations into an organization. There is no mail server: the 201 carries the token once, and
 * the application delivers it. Accepting creates the member under the invitation's own `_id`, so
 * every step can be repeated after a crash, and is won by inserting the invitation's accept
 * ticket: of concurrent accepts of one token exactly one proceeds.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly completion: InvitationCompletion,
    private readonly members: MemberAccountsService,
    private readonly organizations: OrganizationsService,
    private readonly uniqueClaims: UniqueClaimsRepository,
    private readonly tickets: TransitionTicketsRepository,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
    private readonly audit: AuditLogService,
    private readonly crashPoints: CrashPoints,
    private readonly config: AppConfig,
  ) {}

  async create(
    caller: AuthenticatedMember,
    input: { email: string; role: MemberRole },
    origin: RequestOrigin,
  ): Promise<CreatedInvitationDto> {
    if (input.role === MemberRole.Owner) assertRole(caller, MemberRole.Owner);
    const orgId = toObjectId(caller.orgId);
    const existing = await this.members.findByEmail(input.email);
    if (existing) throw existing.org_id.equals(orgId) ? new AlreadyMemberError() : new EmailTakenError();
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = new Date();
    const invitation: InvitationRecord = {
      _id: newObjectId(),
      org_id: orgId,
      email: input.email,
      role: input.role,
      invited_by: toObjectId(caller.memberId),
      token_hash: hashToken(token),
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
      actor: actorOf(caller),
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
    const ticket = acceptTicket(invitation);
    const holder = randomUUID();
    if (!(await this.tickets.take(ticket, holder))) throw new InvitationBusyError();
    try {
      if (!(await this.invitations.delete(orgId, invitation._id))) throw new InvitationNotFoundError();
    } finally {
      await this.tickets.release(ticket, holder);
    }
    await this.audit.record({
      orgId,
      action: AuditAction.InvitationRevoked,
      actor: actorOf(caller),
      target: auditTarget('invitation', invitation),
      origin,
      details: { role: invitation.role },
    });
  }

  async accept(input: { invitation_token: string; password: string }, origin: RequestOrigin): Promise<AcceptedInvitationDto> {
    const found = await this.invitations.findByTokenHash(hashToken(input.invitation_token));
    if (!isPending(found)) throw new InvitationNotFoundError();
    const problem = passwordProblem(input.password, this.config.passwordMinLength);
    if (problem) throw new WeakPasswordError(problem);
    if (!(await this.organizations.findVisibleById(found.org_id))) throw new InvitationNotFoundError();
    const ticket = acceptTicket(found);
    const holder = randomUUID();
    if (!(await this.tickets.take(ticket, holder))) throw new InvitationNotFoundError();
    // Held until the member exists and the invitation is gone; a crash leaves it to the reconciler.
    let invitation: InvitationRecord;
    try {
      // Read again under the ticket: an accept or a revoke that held it before may have used it up.
      const current = await this.invitations.findById(found._id);
      if (!isPending(current)) throw new InvitationNotFoundError();
      invitation = current;
      const member = { _id: invitation._id, org_id: invitation.org_id, email: invitation.email, role: invitation.role };
      const passwordHash = await this.hasher.hash(input.password);
      if (!(await this.uniqueClaims.claim('email', invitation.email, member._id))) throw new EmailTakenError();
      this.crashPoints.reach('accept.after-claim');
      const created = await this.members.create({ ...member, password_hash: passwordHash });
      this.crashPoints.reach('accept.after-member');
      await this.completion.finish(invitation, origin);
      // A member made by an earlier, interrupted accept keeps the password it was given then.
      if (!created) throw new InvitationNotFoundError();
    } finally {
      await this.tickets.release(ticket, holder);
    }
    // The organization may have been deleted meanwhile, after its members were removed.
    const organization = await this.organizations.findVisibleById(invitation.org_id);
    if (!organization) {
      await this.members.delete(invitation.org_id, invitation._id);
      await this.uniqueClaims.release('email', invitation.email, invitation._id);
      throw new InvitationNotFoundError();
    }
    const stored = await this.members.findById(invitation._id);
    if (!stored) throw new InvitationNotFoundError();
    const token = await this.auth.issueToken(stored);
    return { member: toMemberView(stored), organization: toOrganizationView(organization), ...token };
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
