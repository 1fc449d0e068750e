import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event owed to one endpoint. Created by the fan-out under the `_id` `<event id>:<endpoint id>`,
 * so handing an event out twice (after a crash) creates it once; it carries the signed body, so the
 * event's outbox entry and its organization may be gone before it is delivered.
 */
@Schema({ collection: 'webhook_deliveries', versionKey: false })
export class WebhookDelivery {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  endpoint_id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  event_id: Types.ObjectId;

  /** `<endpoint id>:<organization id>`: deliveries of one lane reach their endpoint in event order. */
  @Prop({ type: String, required: true })
  lane: string;

  @Prop({ type: String, required: true })
  event_type: string;

  @Prop({ type: Date, required: true })
  event_at: Date;

  @Prop({ type: String, required: true })
  body: string;

  @Prop({ type: String, enum: DELIVERY_STATUSES, required: true })
  status: DeliveryStatus;

  @Prop({ type: Number, required: true })
  attempts: number;

  /** When a pending delivery is due; null once it is delivered or failed. */
  @Prop({ type: Date, default: null })
  next_attempt_at: Date | null;

  /** The last attempt is the first failure at or after this. */
  @Prop({ type: Date, required: true })
  retry_until: Date;

  @Prop({ type: Number, default: null })
  last_status_code: number | null;

  /** At most 1 KiB of the receiver's last answer, or why there was none. */
  @Prop({ type: String, default: null })
  last_response: string | null;

  @Prop({ type: Date, default: null })
  last_attempt_at: Date | null;
}

export type WebhookDeliveryRecord = WebhookDelivery;

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDelivery);
// The dispatcher: `{status: 'pending', next_attempt_at: {$lte: now}}`, earliest due first.
WebhookDeliverySchema.index({ status: 1, next_attempt_at: 1 });
// Order within a lane: is an earlier event still pending? `{lane, status, event_id: {$lt}}`.
WebhookDeliverySchema.index({ lane: 1, status: 1, event_id: 1 });
// An endpoint's delivery log, newest first; deleting an endpoint's deliveries.
WebhookDeliverySchema.index({ endpoint_id: 1, event_id: -1 });
