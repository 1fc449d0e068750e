import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** Where one organization's events (or, for the platform's, every organization's) are POSTed. */
@Schema({ collection: 'webhook_endpoints', versionKey: false })
export class WebhookEndpoint {
  /** The organization whose events it receives; null for a platform endpoint (every organization's). */
  @Prop({ type: Types.ObjectId, default: null })
  org_id: Types.ObjectId | null;

  @Prop({ type: String, required: true })
  url: string;

  /** The event types it receives; empty for all of them. */
  @Prop({ type: [String], default: [] })
  events: string[];

  /** The `whsec_` secret sealed with AES-256-GCM (see webhook-secrets.ts): never stored in the clear. */
  @Prop({ type: String, required: true })
  sealed_secret: string;

  @Prop({ type: Date, required: true })
  created_at: Date;

  /** Since when every attempt has failed; null after a success. */
  @Prop({ type: Date, default: null })
  failing_since: Date | null;

  @Prop({ type: Date, default: null })
  disabled_at: Date | null;
}

export type WebhookEndpointRecord = WebhookEndpoint & { _id: Types.ObjectId };

export const WebhookEndpointSchema = SchemaFactory.createForClass(WebhookEndpoint);
// Listing an owner's endpoints by `_id`, and the fan-out's `{org_id: {$in: [...orgs, null]}}`.
WebhookEndpointSchema.index({ org_id: 1, _id: 1 });
