import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import { isObjectIdHex, toObjectId } from '../common/database/object-id.js';
import { RECOVERY_ORIGIN, type RequestOrigin } from '../common/http/request-origin.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import type { InvitationRecord } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

const ACCEPT_TICKET_PREFIX = 'invitation:';

/** The ticket an accept of this invitation holds: one accept at a time, won by insert. */
export function acceptTicket(invitation: Pick<InvitationRecord, '_id'>): string {
  return `${ACCEPT_TICKET_PREFIX}${invitation._id.toHexString()}`;
}

/**
 * The last steps of accepting an invitation, once its membership exists (the membership's `_id` is
 * the invitation's): record the event once, then delete the invitation. The request runs them;
 * after a crash, the reconciler runs them for every accept whose ticket a crash left behind.
 */
@Injectable()
export class InvitationCompletion {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly memberships: MembershipsService,
    private readonly audit: AuditLogService,
  ) {}

  async finish(invitation: InvitationRecord, accountId: string, origin: RequestOrigin): Promise<void> {
    const id = invitation._id.toHexString();
    await this.audit.record({
      orgId: invitation.org_id,
      action: AuditAction.InvitationAccepted,
      actor: { type: 'account', id: accountId, email: invitation.email },
      target: auditTarget('invitation', invitation),
      origin,
      details: { role: invitation.role, member_id: accountId },
      onceKey: `${AuditAction.InvitationAccepted}:${id}`,
    });
    await this.invitations.delete(invitation.org_id, invitation._id);
  }

  /** Finishes the accepts named by tickets a crash left; an accept that never created its membership stays pending. */
  async finishInterrupted(tickets: string[]): Promise<void> {
    for (const ticket of tickets) {
      const id = ticket.slice(ACCEPT_TICKET_PREFIX.length);
      if (!ticket.startsWith(ACCEPT_TICKET_PREFIX) || !isObjectIdHex(id)) continue;
      const invitation = await this.invitations.findById(toObjectId(id));
      const membership = invitation ? await this.memberships.findById(invitation._id) : null;
      if (invitation && membership) await this.finish(invitation, membership.account_id.toHexString(), RECOVERY_ORIGIN);
    }
  }
}
