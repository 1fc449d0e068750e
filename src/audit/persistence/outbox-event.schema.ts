import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * An event waiting to be handed to the webhook endpoints subscribed to it (the outbox). Written
 * beside its audit event, before the 2xx of the change, and kept apart from `audit_events` because
 * an organization's delete removes its audit log but not the events still owed to receivers.
 */
@Schema({ collection: 'outbox_events', versionKey: false })
export class OutboxEvent {
  /** The audit event's key: recovery recording an operation again adds no second event. */
  @Prop({ type: String, required: true })
  _id: string;

  /** The id receivers see as `webhook-id`; time-ordered, so events are handed out in the order they happened. */
  @Prop({ type: Types.ObjectId, required: true })
  event_id: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: String, required: true })
  type: string;

  @Prop({ type: Date, required: true })
  at: Date;

  /** The delivery body, `{type, timestamp, data}` as JSON: signed byte for byte on every attempt. */
  @Prop({ type: String, required: true })
  body: string;

  /** Set once every subscribed endpoint has its delivery; such events are pruned after a while. */
  @Prop({ type: Boolean, required: true })
  dispatched: boolean;
}

export type OutboxEventRecord = OutboxEvent;

export const OutboxEventSchema = SchemaFactory.createForClass(OutboxEvent);
// Fan-out: `{dispatched: false}` in event order; pruning: `{dispatched: true, event_id: {$lt}}`.
OutboxEventSchema.index({ dispatched: 1, event_id: 1 });
