import { Injectable } from '@nestjs/common';
import { EventOutbox, type PendingEvent } from '../../audit/outbox/event-outbox.service.js';
import { type ObjectId, objectIdAt } from '../../common/database/object-id.js';
import { Locks } from '../../common/locks/locks.service.js';
import { AppConfig } from '../../config/app-config.js';
import type { WebhookDeliveryRecord } from '../persistence/webhook-delivery.schema.js';
import { WebhookDeliveriesRepository } from '../persistence/webhook-deliveries.repository.js';
import type { WebhookEndpointRecord } from '../persistence/webhook-endpoint.schema.js';
import { WebhookEndpointsRepository } from '../persistence/webhook-endpoints.repository.js';

/** Events handed out per batch: one read of the outbox, one of the endpoints, one insert. */
export const FAN_OUT_BATCH = 500;
const MINUTE_MS = 60_000;
/** How far back the first repair pass of an instance looks for audit events without their event. */
const REPAIR_LOOKBACK_MS = 10 * MINUTE_MS;
/** Audit events are written by every instance with ids from each one's clock: a repair re-reads the last minute. */
const REPAIR_OVERLAP_MS = MINUTE_MS;
/** Handed-out events are kept this long, past the repair's lookback, then pruned. */
const DISPATCHED_RETENTION_MS = 15 * MINUTE_MS;

/**
 * Turns the outbox's events into deliveries, one per subscribed endpoint (`<event>:<endpoint>`, so
 * repeating a batch after a crash creates nothing twice), then marks the events handed out. Runs on
 * the one instance holding the fan-out lease (WebhookDispatcher).
 */
@Injectable()
export class WebhookFanOut {
  private repairedUpTo: ObjectId | undefined;
  private lastHousekeeping = 0;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly locks: Locks,
    private readonly config: AppConfig,
  ) {}

  /** Hands out the oldest batch of events; how many there were. */
  async handOutBatch(now = new Date()): Promise<number> {
    await this.housekeepingIfDue(now);
    const events = await this.outbox.pending(FAN_OUT_BATCH);
    if (events.length === 0) return 0;
    const orgIds = [...new Map(events.map((event) => [event.org_id.toHexString(), event.org_id])).values()];
    const endpoints = await this.endpoints.subscribedTo(orgIds);
    const deliveries = events.flatMap((event) =>
      endpoints.filter((endpoint) => receives(endpoint, event)).map((endpoint) => this.deliveryOf(event, endpoint, now)),
    );
    await this.deliveries.insertMissing(deliveries);
    await this.outbox.markDispatched(events.map((event) => event._id));
    return events.length;
  }

  private deliveryOf(event: PendingEvent, endpoint: WebhookEndpointRecord, now: Date): WebhookDeliveryRecord {
    const endpointId = endpoint._id.toHexString();
    // Retried for the horizon from when it could first be tried, even if the fan-out ran late.
    const from = Math.max(event.at.getTime(), now.getTime());
    return {
      _id: `${event.event_id.toHexString()}:${endpointId}`,
      endpoint_id: endpoint._id,
      event_id: event.event_id,
      lane: `${endpointId}:${event.org_id.toHexString()}`,
      event_type: event.type,
      event_at: event.at,
      body: event.body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      retry_until: new Date(from + this.config.webhooks.retryForSeconds * 1000),
      last_status_code: null,
      last_response: null,
      last_attempt_at: null,
    };
  }

  /** Once a minute: store events a crash kept from the outbox; prune handed-out events and attempts' claims. */
  private async housekeepingIfDue(now: Date): Promise<void> {
    if (now.getTime() - this.lastHousekeeping < MINUTE_MS) return;
    this.lastHousekeeping = now.getTime();
    let from = this.repairedUpTo ?? objectIdAt(new Date(now.getTime() - REPAIR_LOOKBACK_MS));
    for (let batch = 0; batch < 20; batch += 1) {
      const seen = await this.outbox.repairSince(from);
      if (seen.equals(from)) break;
      from = seen;
    }
    const overlap = objectIdAt(new Date(now.getTime() - REPAIR_OVERLAP_MS));
    this.repairedUpTo = from.toHexString() < overlap.toHexString() ? from : overlap;
    await this.outbox.pruneDispatchedBefore(new Date(now.getTime() - DISPATCHED_RETENTION_MS));
    // Attempts' claims: a delivery read again under its claim says whether an old attempt was made.
    await this.locks.pruneStepClaims(new Date(now.getTime() - DISPATCHED_RETENTION_MS));
  }
}

/** An endpoint receives an event of its organization (or of any, for the platform's), of a type it asked for, that happened once it existed. */
export function receives(
  endpoint: Pick<WebhookEndpointRecord, 'org_id' | 'events' | 'created_at'>,
  event: Pick<PendingEvent, 'org_id' | 'type' | 'at'>,
): boolean {
  if (endpoint.org_id !== null && !endpoint.org_id.equals(event.org_id)) return false;
  if (endpoint.events.length > 0 && !endpoint.events.includes(event.type)) return false;
  return endpoint.created_at.getTime() <= event.at.getTime();
}
