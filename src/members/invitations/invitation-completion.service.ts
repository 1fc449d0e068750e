import { Injectable } from '@nestjs/common';
import { auditTarget } from '../../audit/persistence/audit-event.schema.js';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { isObjectIdHex, toObjectId } from '../../common/database/object-id.js';
import { RECOVERY_ORIGIN, type RequestOrigin } from '../../common/http/request-origin.js';
import { MembersRepository } from '../persistence/members.repository.js';
import type { InvitationRecord } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

const ACCEPT_TICKET_PREFIX = 'invitation:';

/** The ticket an accept of this invitation holds: one accept at a time, won by insert. */
export function acceptTicket(invitation: Pick<InvitationRecord, '_id'>): string {
  return `${ACCEPT_TICKET_PREFIX}${invitation._id.toHexString()}`;
}

/**
 * The last steps of accepting an invitation, once its member exists (the member's `_id` is the
 * invitation's): record the event once, then delete the invitation. The request runs them; after a
 * crash, the reconciler runs them for every accept whose ticket a crash left behind.
 */
@Injectable()
export class InvitationCompletion {
  constructor(
    private readonly invitations: InvitationsRepository,
    private readonly members: MembersRepository,
    private readonly audit: AuditLogService,
  ) {}

  async finish(invitation: InvitationRecord, origin: RequestOrigin): Promise<void> {
    const id = invitation._id.toHexString();
    await this.audit.record({
      orgId: invitation.org_id,
      action: AuditAction.InvitationAccepted,
      actor: { id, email: invitation.email },
      target: auditTarget('invitation', invitation),
      origin,
      details: { role: invitation.role, member_id: id },
      onceKey: `${AuditAction.InvitationAccepted}:${id}`,
    });
    await this.invitations.delete(invitation.org_id, invitation._id);
  }

  /** Finishes the accepts named by tickets a crash left; an accept that never created its member stays pending. */
  async finishInterrupted(tickets: string[]): Promise<void> {
    for (const ticket of tickets) {
      const id = ticket.slice(ACCEPT_TICKET_PREFIX.length);
      if (!ticket.startsWith(ACCEPT_TICKET_PREFIX) || !isObjectIdHex(id)) continue;
      const invitation = await this.invitations.findById(toObjectId(id));
      if (invitation && (await this.members.findById(invitation._id))) await this.finish(invitation, RECOVERY_ORIGIN);
    }
  }
}
