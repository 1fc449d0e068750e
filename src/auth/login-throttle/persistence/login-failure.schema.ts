import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A failed login, holding one slot of its email and one of its client address in their window.
 * A slot id is `<key>|<window>|<n>`: the key is `email:<sha-256 of the address>` or
 * `ip:<address or IPv6 /64>`, the window `floor(time / LOGIN_WINDOW_SECONDS)`, n from 0 to the
 * key's limit - 1.
 */
@Schema({ collection: 'login_failures', versionKey: false })
export class LoginFailure {
  /** The email's slot. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  address_slot: string;

  /** The end of the window; the failure stops counting then and is swept afterwards. */
  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export const LoginFailureSchema = SchemaFactory.createForClass(LoginFailure);
// Recording a failure: the insert that fails when another failure holds the address slot.
LoginFailureSchema.index({ address_slot: 1 }, { unique: true });
// The periodic sweep, `{expires_at: {$lte: now}}` (FerretDB refuses TTL indexes, so expiry is a query).
LoginFailureSchema.index({ expires_at: 1 });
