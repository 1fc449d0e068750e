import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** One login attempt counted against one client address or one email. */
@Schema({ collection: 'login_attempts', versionKey: false })
export class LoginAttempt {
  /** `ip:<address or IPv6 /64>` or `email:<sha-256 of the address>`. */
  @Prop({ type: String, required: true })
  key: string;

  @Prop({ type: Date, required: true })
  at: Date;
}

export const LoginAttemptSchema = SchemaFactory.createForClass(LoginAttempt);
// Counting a key's attempts in the window and finding its oldest ones: `{key, at: {$gt: since}}`
// sorted by `at`; a reset after a successful login: `{key}`.
LoginAttemptSchema.index({ key: 1, at: 1 });
// Sweep of attempts that left the window, `{at: {$lte: cutoff}}` (FerretDB refuses TTL indexes,
// so expiry is this query rather than expireAfterSeconds).
LoginAttemptSchema.index({ at: 1 });
