import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isOnlyDuplicateKeyErrors } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { WebhookDelivery, type WebhookDeliveryRecord } from './webhook-delivery.schema.js';

export type AttemptResult = Pick<
  WebhookDeliveryRecord,
  'status' | 'next_attempt_at' | 'last_status_code' | 'last_response' | 'last_attempt_at'
>;

/** The `webhook_deliveries` collection. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectModel(WebhookDelivery.name) private readonly deliveries: Model<WebhookDelivery>) {}

  /** Stores those not stored yet (a fan-out repeated after a crash meets its own deliveries). */
  async insertMissing(deliveries: WebhookDeliveryRecord[]): Promise<void> {
    if (deliveries.length === 0) return;
    try {
      await this.deliveries.collection.insertMany(deliveries as never[], { ordered: false });
    } catch (error) {
      if (!isOnlyDuplicateKeyErrors(error)) throw error;
    }
  }

  /** Pending deliveries due by `now`, earliest due first. */
  due(now: Date, limit: number): Promise<WebhookDeliveryRecord[]> {
    return this.deliveries.collection
      .find<WebhookDeliveryRecord>({ status: 'pending', next_attempt_at: { $lte: now } })
      .sort({ next_attempt_at: 1 })
      .limit(limit)
      .toArray();
  }

  /** Whether an earlier event of the lane is still pending (being retried, or in flight). */
  async earlierPending(lane: string, eventId: ObjectId): Promise<boolean> {
    const earlier = await this.deliveries.collection.findOne(
      { lane, status: 'pending', event_id: { $lt: eventId } },
      { projection: { _id: 1 } },
    );
    return earlier !== null;
  }

  findById(id: string): Promise<WebhookDeliveryRecord | null> {
    return this.deliveries.collection.findOne<WebhookDeliveryRecord>({ _id: id } as never);
  }

  /** Records an attempt, unless another already did (the count moved on). */
  async recordAttempt(id: string, attemptsBefore: number, result: AttemptResult): Promise<void> {
    await this.deliveries.updateOne({ _id: id, attempts: attemptsBefore }, { $set: { ...result, attempts: attemptsBefore + 1 } });
  }

  /** The endpoint's deliveries, newest event first, before the cursor. */
  page(endpointId: ObjectId, before: ObjectId | undefined, limit: number): Promise<WebhookDeliveryRecord[]> {
    const filter: Record<string, unknown> = { endpoint_id: endpointId };
    if (before) filter.event_id = trusted({ $lt: before });
    return this.deliveries.find(filter, { body: 0 }).sort({ event_id: -1 }).limit(limit).lean<WebhookDeliveryRecord[]>();
  }

  /** Makes the delivery pending and due now, retried until `retryUntil`; false when there is none. */
  async retry(endpointId: ObjectId, eventId: ObjectId, now: Date, retryUntil: Date): Promise<boolean> {
    const { matchedCount } = await this.deliveries.updateOne(
      { _id: `${eventId.toHexString()}:${endpointId.toHexString()}`, endpoint_id: endpointId },
      { $set: { status: 'pending', next_attempt_at: now, retry_until: retryUntil } },
    );
    return matchedCount > 0;
  }

  /** Ends every pending delivery of the endpoint as failed (it was disabled). */
  async failPending(endpointId: ObjectId, reason: string): Promise<void> {
    await this.deliveries.updateMany(
      { endpoint_id: endpointId, status: 'pending' },
      { $set: { status: 'failed', next_attempt_at: null, last_response: reason } },
    );
  }

  async deleteByEndpoints(endpointIds: ObjectId[]): Promise<void> {
    if (endpointIds.length > 0) await this.deliveries.deleteMany({ endpoint_id: trusted({ $in: endpointIds }) });
  }
}
