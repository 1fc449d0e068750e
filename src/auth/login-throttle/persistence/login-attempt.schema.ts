import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A login attempt let through: the slot it occupies in its key's window. */
@Schema({ collection: 'login_attempts', versionKey: false })
export class LoginAttempt {
  /**
   * `<key>|<window>|<slot>`: the key is `ip:<address or IPv6 /64>` or `email:<sha-256 of the
   * address>`, the window is `floor(time / LOGIN_WINDOW_SECONDS)`, the slot 0 to the key's limit - 1.
   */
  @Prop({ type: String, required: true })
  _id: string;

  /** The end of the window; the slot stops counting then and is swept afterwards. */
  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export const LoginAttemptSchema = SchemaFactory.createForClass(LoginAttempt);
// The periodic sweep, `{expires_at: {$lte: now}}` (FerretDB refuses TTL indexes, so expiry is a query).
LoginAttemptSchema.index({ expires_at: 1 });
