import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

@Schema({ collection: 'admins', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Admin {
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

  created_at: Date;
  updated_at: Date;
}

export type AdminRecord = Admin & { _id: Types.ObjectId };

export const AdminSchema = SchemaFactory.createForClass(Admin);
// No query filters on email (login looks it up through unique_claims by `_id`); this unique index is
// MongoDB's backstop against two admins ever sharing an email.
AdminSchema.index({ email: 1 }, { unique: true });
// Organization delete and update: `{org_id}`.
AdminSchema.index({ org_id: 1 });
