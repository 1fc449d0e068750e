import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { Invitation, InvitationRecord } from './invitation.schema.js';

/** The `invitations` collection. */
@Injectable()
export class InvitationsRepository {
  constructor(@InjectModel(Invitation.name) private readonly invitations: Model<Invitation>) {}

  /** False when the organization has a pending invitation for the email already. */
  async insert(invitation: InvitationRecord): Promise<boolean> {
    try {
      await this.invitations.create(invitation);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  findByPendingKey(pendingKey: string): Promise<InvitationRecord | null> {
    return this.invitations.findOne({ pending_key: pendingKey }).lean<InvitationRecord>();
  }

  findByTokenHash(tokenHash: string): Promise<InvitationRecord | null> {
    return this.invitations.findOne({ token_hash: tokenHash }).lean<InvitationRecord>();
  }

  findById(invitationId: ObjectId): Promise<InvitationRecord | null> {
    return this.invitations.findById(invitationId).lean<InvitationRecord>();
  }

  /** The organization's invitations that have not expired, in `_id` order after the cursor. */
  pagePending(orgId: ObjectId, now: Date, after: ObjectId | undefined, limit: number): Promise<InvitationRecord[]> {
    const filter: Record<string, unknown> = { org_id: orgId, expires_at: trusted({ $gt: now }) };
    if (after) filter._id = trusted({ $gt: after });
    return this.invitations.find(filter).sort({ _id: 1 }).limit(limit).lean<InvitationRecord[]>();
  }

  /** True when the invitation of that organization existed. */
  async delete(orgId: ObjectId, invitationId: ObjectId): Promise<boolean> {
    const { deletedCount } = await this.invitations.deleteOne({ _id: invitationId, org_id: orgId });
    return deletedCount === 1;
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.invitations.deleteMany({ org_id: orgId });
  }
}
