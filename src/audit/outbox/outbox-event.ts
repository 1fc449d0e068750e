import type { AuditEvent } from '../persistence/audit-event.schema.js';
import type { ObjectId } from '../../common/database/object-id.js';
import type { OutboxEventRecord } from '../persistence/outbox-event.schema.js';

/**
 * The event an audit event becomes: `{type, timestamp, data}` as Standard Webhooks payloads are
 * shaped. `data` is the audit event without its client address (receivers need who did what, not
 * from where) and with the organization it belongs to.
 */
export function outboxEventOf(event: AuditEvent & { _id: ObjectId }): OutboxEventRecord {
  const id = event._id.toHexString();
  const body = JSON.stringify({
    type: event.action,
    timestamp: event.at.toISOString(),
    data: {
      id,
      organization_id: event.org_id.toHexString(),
      at: event.at.toISOString(),
      action: event.action,
      actor: event.actor,
      target: event.target,
      request_id: event.request_id,
      details: event.details,
    },
  });
  return { _id: event.key, event_id: event._id, org_id: event.org_id, type: event.action, at: event.at, body, dispatched: false };
}
