import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A token ended by POST /admin/logout, remembered until it would have expired anyway. */
@Schema({ collection: 'revoked_tokens', versionKey: false })
export class RevokedToken {
  /** The token's `jti`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export const RevokedTokenSchema = SchemaFactory.createForClass(RevokedToken);
// The periodic sweep, `{expires_at: {$lte: now}}` (FerretDB refuses TTL indexes, so expiry is a query).
RevokedTokenSchema.index({ expires_at: 1 });
