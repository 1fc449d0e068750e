import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { MemberRole } from '../../common/access/member-role.js';

/** One account's place in one organization, with its role. */
@Schema({ collection: 'memberships', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Membership {
  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  account_id: Types.ObjectId;

  @Prop({ type: String, enum: Object.values(MemberRole), required: true })
  role: MemberRole;

  created_at: Date;
  updated_at: Date;
}

export type MembershipRecord = Membership & { _id: Types.ObjectId };

export const MembershipSchema = SchemaFactory.createForClass(Membership);
// One membership per account and organization, won by insert; GET /org/members pages
// `{org_id, account_id: {$gt}}` by account id; the last-owner check and delete read `{org_id}`.
MembershipSchema.index({ org_id: 1, account_id: 1 }, { unique: true });
// An account's organizations (login, /me/organizations, DELETE /me): `{account_id, org_id: {$gt}}`.
MembershipSchema.index({ account_id: 1, org_id: 1 });
