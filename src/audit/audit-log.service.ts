import { Injectable } from '@nestjs/common';
import { type ObjectId, timeOrderedObjectId, toObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import type { AuditAction } from './audit-action.js';
import { AuditEventPageDto, AuditEventViewDto } from './dto/audit-event.view.dto.js';
import type { AuditQuery } from './dto/audit.query.js';
import { outboxEventOf } from './outbox/outbox-event.js';
import { OutboxEventsRepository } from './persistence/outbox-events.repository.js';
import type { AuditActor, AuditEvent, AuditEventRecord, AuditTarget } from './persistence/audit-event.schema.js';
import { AuditEventsRepository } from './persistence/audit-events.repository.js';

export interface AuditEntry {
  orgId: ObjectId;
  action: AuditAction;
  actor: AuditActor | null;
  target: AuditTarget | null;
  origin: RequestOrigin;
  details?: Record<string, unknown>;
  /** Names an operation that recovery may finish too, so that it is recorded once. */
  onceKey?: string;
}

/** Who did what to an organization; written before the request's 2xx answer. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly outbox: OutboxEventsRepository,
  ) {}

  /**
   * Stores the audit event, then the event webhooks receive (the outbox), both before the caller
   * answers. A crash between the two is repaired from the audit log (EventOutbox.repairSince); an
   * operation recorded again by recovery adds neither twice.
   */
  async record(entry: AuditEntry): Promise<void> {
    const event = auditEventOf(entry);
    await this.events.insertOnce(event);
    await this.outbox.insertOnce(outboxEventOf(event));
  }

  /**
   * An event for webhooks only, with no audit event: `organization.deleted`, recorded when the
   * organization's audit log is gone with it.
   */
  async announce(entry: AuditEntry): Promise<void> {
    await this.outbox.insertOnce(outboxEventOf(auditEventOf(entry)));
  }

  async list(orgId: ObjectId, query: AuditQuery): Promise<AuditEventPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra event tells whether another page exists.
    const events = await this.events.page(orgId, query.cursor ? toObjectId(query.cursor) : undefined, query.action, limit + 1);
    return toPage(events, limit, toView);
  }

  deleteByOrganization(orgId: ObjectId): Promise<void> {
    return this.events.deleteByOrganization(orgId);
  }
}

function auditEventOf(entry: AuditEntry): AuditEvent & { _id: ObjectId } {
  const at = new Date();
  const _id = timeOrderedObjectId(at.getTime());
  return {
    _id,
    key: entry.onceKey ?? _id.toHexString(),
    org_id: entry.orgId,
    at,
    action: entry.action,
    actor: entry.actor,
    target: entry.target,
    ip: entry.origin.ip,
    request_id: entry.origin.requestId,
    details: entry.details ?? {},
  };
}

function toView(event: AuditEventRecord): AuditEventViewDto {
  return {
    id: event._id.toHexString(),
    at: event.at,
    action: event.action,
    actor: event.actor,
    target: event.target,
    ip: event.ip,
    request_id: event.request_id,
    details: event.details,
  };
}
