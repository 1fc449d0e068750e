import type { ObjectId } from '../../common/database/object-id.js';
import { copy, type Surface } from '../../common/testing/common.fakes.js';
import type { AuditAction } from '../audit-action.js';
import type { AuditEvent, AuditEventRecord } from '../persistence/audit-event.schema.js';
import type { AuditEventsRepository } from '../persistence/audit-events.repository.js';
import type { OutboxEventRecord } from '../persistence/outbox-event.schema.js';
import type { OutboxEventsRepository } from '../persistence/outbox-events.repository.js';

const byId = (a: { _id: ObjectId }, b: { _id: ObjectId }): number => a._id.toHexString().localeCompare(b._id.toHexString());

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

/** `audit_events` in memory: an event whose key is stored already is not stored again. */
export class InMemoryAuditEvents implements Surface<AuditEventsRepository> {
  readonly events: AuditEventRecord[] = [];

  async insertOnce(event: AuditEvent & { _id: ObjectId }): Promise<void> {
    if (this.events.some((stored) => stored.key === event.key)) return;
    this.events.push(copy(event));
  }

  async page(orgId: ObjectId, before: ObjectId | undefined, action: AuditAction | undefined, limit: number): Promise<AuditEventRecord[]> {
    return this.events
      .filter((event) => event.org_id.equals(orgId) && (!action || event.action === action))
      .filter((event) => !before || event._id.toHexString() < before.toHexString())
      .sort((a, b) => byId(b, a))
      .slice(0, limit)
      .map(copy);
  }

  async recordedAfter(after: ObjectId, limit: number): Promise<AuditEventRecord[]> {
    return this.events
      .filter((event) => event._id.toHexString() > after.toHexString())
      .sort(byId)
      .slice(0, limit)
      .map(copy);
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    this.events.splice(0, this.events.length, ...this.events.filter((event) => !event.org_id.equals(orgId)));
  }

  /** The stored events of one action, in the order they were recorded. */
  ofAction(action: AuditAction): AuditEventRecord[] {
    return this.events.filter((event) => event.action === action);
  }
}
