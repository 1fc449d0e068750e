import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import { isObjectIdHex, toObjectId } from '../common/database/object-id.js';
import { invitationOfAcceptKey } from '../common/locks/lock-keys.js';
import { RECOVERY_ORIGIN, type RequestOrigin } from '../common/http/request-origin.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import type { InvitationRecord } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

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

  /** Finishes the accepts named by locks a crash left; an accept that never created its membership stays pending. */
  async finishInterrupted(staleLocks: string[]): Promise<void> {
    for (const lock of staleLocks) {
      const id = invitationOfAcceptKey(lock);
      if (!id || !isObjectIdHex(id)) continue;
      const invitation = await this.invitations.findById(toObjectId(id));
      const membership = invitation ? await this.memberships.findById(invitation._id) : null;
      if (invitation && membership) await this.finish(invitation, membership.account_id.toHexString(), RECOVERY_ORIGIN);
    }
  }
}
