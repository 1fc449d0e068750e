import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { MemberRole } from '../../common/access/member-role.js';

/** An organization's API key. Revoking one deletes it; the audit log keeps its history. */
@Schema({ collection: 'api_keys', versionKey: false })
export class ApiKey {
  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: String, required: true })
  name: string;

  /** viewer, member or admin: never owner. */
  @Prop({ type: String, enum: [MemberRole.Viewer, MemberRole.Member, MemberRole.Admin], required: true })
  role: MemberRole;

  /** SHA-256 (hex) of the key; the key itself is shown once and never stored. */
  @Prop({ type: String, required: true })
  key_hash: string;

  /** Who created it: an account id, or the id of the API key that did. */
  @Prop({ type: Types.ObjectId, required: true })
  created_by: Types.ObjectId;

  @Prop({ type: Date, required: true })
  created_at: Date;

  /** Null: the key does not expire. */
  @Prop({ type: Date, default: null })
  expires_at: Date | null;

  /** Written by the instances' usage flushes (at most once per key per API_KEY_USAGE_FLUSH_SECONDS each), never per request. */
  @Prop({ type: Date, default: null })
  last_used_at: Date | null;
}

export type ApiKeyRecord = ApiKey & { _id: Types.ObjectId };

export const ApiKeySchema = SchemaFactory.createForClass(ApiKey);
// Every request with an API key: `{key_hash}` (one read per key per instance and staleness bound).
ApiKeySchema.index({ key_hash: 1 }, { unique: true });
// GET /org/api-keys pages `{org_id, _id: {$gt}}` by `_id`; revoking reads `{_id, org_id}`; deleting an organization's: `{org_id}`.
ApiKeySchema.index({ org_id: 1, _id: 1 });
