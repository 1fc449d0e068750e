import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** A person: one email across the service, one password, any number of memberships. */
@Schema({ collection: 'accounts', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Account {
  /** Stored lower-cased; uniqueness is claimed in unique_claims (`email:<address>`). */
  @Prop({ type: String, required: true })
  email: string;

  /** argon2id encoded hash (`$argon2id$...`); never leaves the service. */
  @Prop({ type: String, required: true })
  password_hash: string;

  /** Bumped on every email or password change (and logout everywhere); tokens carrying an older value are refused. */
  @Prop({ type: Number, required: true, default: 1 })
  credential_version: number;

  created_at: Date;
  updated_at: Date;
}

export type AccountRecord = Account & { _id: Types.ObjectId };

export const AccountSchema = SchemaFactory.createForClass(Account);
// No query filters on email (login looks it up through unique_claims by `_id`); this unique index is
// MongoDB's backstop against two accounts ever sharing an email.
AccountSchema.index({ email: 1 }, { unique: true });
