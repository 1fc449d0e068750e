import { Injectable } from '@nestjs/common';
import { type ObjectId, objectIdAt } from '../../common/database/object-id.js';
import { AuditEventsRepository } from '../persistence/audit-events.repository.js';
import { outboxEventOf } from './outbox-event.js';
import type { OutboxEventRecord } from '../persistence/outbox-event.schema.js';
import { OutboxEventsRepository } from '../persistence/outbox-events.repository.js';

export type PendingEvent = Pick<OutboxEventRecord, '_id' | 'event_id' | 'org_id' | 'type' | 'at' | 'body'>;

/** How far back a repair pass looks for audit events whose event a crash kept from being stored. */
const REPAIR_BATCH = 1000;

/**
 * The events every audit event becomes, for the webhooks module to hand out. The audit log writes
 * them (AuditLogService); this is the reading side.
 */
@Injectable()
export class EventOutbox {
  constructor(
    private readonly outbox: OutboxEventsRepository,
    private readonly audit: AuditEventsRepository,
  ) {}

  /** The oldest events not handed out yet, in the order they happened. */
  pending(limit: number): Promise<PendingEvent[]> {
    return this.outbox.undispatched(limit);
  }

  markDispatched(keys: string[]): Promise<void> {
    return this.outbox.markDispatched(keys);
  }

  /** Forgets events handed out before `before`: their deliveries carry what they need. */
  pruneDispatchedBefore(before: Date): Promise<void> {
    return this.outbox.pruneDispatchedBefore(objectIdAt(before));
  }

  /**
   * Stores the events of audit events recorded after `since` that have none: a crash between the
   * two inserts of AuditLogService.record leaves such an audit event. Returns where the next pass
   * may resume (the last audit event seen), or `since` when there were none.
   */
  async repairSince(since: ObjectId): Promise<ObjectId> {
    const recorded = await this.audit.recordedAfter(since, REPAIR_BATCH);
    if (recorded.length === 0) return since;
    const stored = await this.outbox.storedKeys(recorded.map((event) => event.key));
    await this.outbox.insertMissing(recorded.filter((event) => !stored.has(event.key)).map(outboxEventOf));
    return recorded[recorded.length - 1]._id;
  }
}
