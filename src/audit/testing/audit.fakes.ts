import type { ObjectId } from '../../common/database/object-id.js';
import type { Surface } from '../../common/testing/common.fakes.js';
import type { OutboxEventRecord } from '../persistence/outbox-event.schema.js';
import type { OutboxEventsRepository } from '../persistence/outbox-events.repository.js';

/** `outbox_events` in memory, for unit specs of services that record audit events. */
export class InMemoryOutboxEvents implements Surface<OutboxEventsRepository> {
  readonly events = new Map<string, OutboxEventRecord>();

  async insertOnce(event: OutboxEventRecord): Promise<void> {
    if (!this.events.has(event._id)) this.events.set(event._id, { ...event });
  }

  async insertMissing(events: OutboxEventRecord[]): Promise<void> {
    for (const event of events) await this.insertOnce(event);
  }

  async storedKeys(keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.events.has(key)));
  }

  async undispatched(limit: number): Promise<OutboxEventRecord[]> {
    return [...this.events.values()]
      .filter((event) => !event.dispatched)
      .sort((a, b) => a.event_id.toHexString().localeCompare(b.event_id.toHexString()))
      .slice(0, limit);
  }

  async markDispatched(keys: string[]): Promise<void> {
    for (const key of keys) {
      const event = this.events.get(key);
      if (event) event.dispatched = true;
    }
  }

  async pruneDispatchedBefore(cutoff: ObjectId): Promise<void> {
    for (const [key, event] of this.events)
      if (event.dispatched && event.event_id.toHexString() < cutoff.toHexString()) this.events.delete(key);
  }
}
