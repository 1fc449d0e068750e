import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { MemberRole } from '../../common/access/member-role.js';

/** A pending invitation. Accepting or revoking one deletes it; the audit log keeps its history. */
@Schema({ collection: 'invitations', versionKey: false })
export class Invitation {
  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: String, required: true })
  email: string;

  @Prop({ type: String, enum: Object.values(MemberRole), required: true })
  role: MemberRole;

  /** The member who invited. */
  @Prop({ type: Types.ObjectId, required: true })
  invited_by: Types.ObjectId;

  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  @Prop({ type: String, required: true })
  token_hash: string;

  /** `<org id>:<email>`: one pending invitation per email and organization, won by insert. */
  @Prop({ type: String, required: true })
  pending_key: string;

  @Prop({ type: Date, required: true })
  created_at: Date;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export type InvitationRecord = Invitation & { _id: Types.ObjectId };

export const InvitationSchema = SchemaFactory.createForClass(Invitation);
// POST /invitations/accept: `{token_hash}`.
InvitationSchema.index({ token_hash: 1 }, { unique: true });
// Inviting an email twice: the second insert is refused; an expired holder is read by `{pending_key}`.
InvitationSchema.index({ pending_key: 1 }, { unique: true });
// GET /org/invitations pages `{org_id, expires_at: {$gt}, _id: {$gt}}` by `_id`; deleting an organization's: `{org_id}`.
InvitationSchema.index({ org_id: 1, _id: 1 });
