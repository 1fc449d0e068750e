import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { MemberRole } from '../member-role.js';

/** An account: belongs to one organization, holds one role, logs in with its email and password. */
@Schema({ collection: 'members', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Member {
  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  /** Stored lower-cased; uniqueness is claimed in unique_claims (`email:<address>`). */
  @Prop({ type: String, required: true })
  email: string;

  /** argon2id encoded hash (`$argon2id$...`); never leaves the service. */
  @Prop({ type: String, required: true })
  password_hash: string;

  /** Bumped on every email or password change; tokens carrying an older value are refused. */
  @Prop({ type: Number, required: true, default: 1 })
  credential_version: number;

  /** Accounts stored without one are owners (see MembersRepository). */
  @Prop({ type: String, enum: Object.values(MemberRole) })
  role?: MemberRole;

  created_at: Date;
  updated_at: Date;
}

export type MemberRecord = Omit<Member, 'role'> & { _id: Types.ObjectId; role: MemberRole };

export const MemberSchema = SchemaFactory.createForClass(Member);
// No query filters on email (login looks it up through unique_claims by `_id`); this unique index is
// MongoDB's backstop against two accounts ever sharing an email.
MemberSchema.index({ email: 1 }, { unique: true });
// GET /org/members pages `{org_id, _id: {$gt}}` by `_id`; the last-owner check `{org_id, role}`; delete `{org_id}`.
MemberSchema.index({ org_id: 1, _id: 1 });
