import { Injectable } from '@nestjs/common';
import { newObjectId, type ObjectId, toObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import type { AuditAction } from './audit-action.js';
import { AuditEventPageDto, AuditEventViewDto } from './dto/audit-event.view.dto.js';
import type { AuditQuery } from './dto/audit.query.js';
import type { AuditActor, AuditEventRecord, AuditTarget } from './persistence/audit-event.schema.js';
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
  constructor(private readonly events: AuditEventsRepository) {}

  async record(entry: AuditEntry): Promise<void> {
    const _id = newObjectId();
    await this.events.insertOnce({
      _id,
      key: entry.onceKey ?? _id.toHexString(),
      org_id: entry.orgId,
      at: new Date(),
      action: entry.action,
      actor: entry.actor,
      target: entry.target,
      ip: entry.origin.ip,
      request_id: entry.origin.requestId,
      details: entry.details ?? {},
    });
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
