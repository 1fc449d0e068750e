import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** One login-throttle counter: hits of one client address or one email in the current window. */
@Schema({ collection: 'login_throttle', versionKey: false })
export class LoginCounter {
  /** `ip:<address or IPv6 /64>` or `email:<sha-256 of the address>`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Number, required: true })
  count: number;

  /** Hits before this instant count; the first hit after it opens a new window. */
  @Prop({ type: Date, required: true })
  window_ends: Date;
}

export const LoginCounterSchema = SchemaFactory.createForClass(LoginCounter);
// Hits and resets go through the `_id` index. Sweep of ended windows: `{window_ends: {$lte: now}}`
// (FerretDB refuses TTL indexes, so expiry is by this query rather than expireAfterSeconds).
LoginCounterSchema.index({ window_ends: 1 });
