import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import type { AuditAction } from '../audit-action.js';
import { AuditEvent, AuditEventRecord } from './audit-event.schema.js';

/** The `audit_events` collection. */
@Injectable()
export class AuditEventsRepository {
  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  /** Stores the event unless one with its key is stored already. */
  async insertOnce(event: AuditEvent & { _id: ObjectId }): Promise<void> {
    try {
      await this.events.create(event);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** The organization's events newest first, before the cursor; `limit` at most. */
  page(orgId: ObjectId, before: ObjectId | undefined, action: AuditAction | undefined, limit: number): Promise<AuditEventRecord[]> {
    const filter: Record<string, unknown> = { org_id: orgId };
    if (action) filter.action = action;
    if (before) filter._id = trusted({ $lt: before });
    return this.events.find(filter).sort({ _id: -1 }).limit(limit).lean<AuditEventRecord[]>();
  }

  /** Events of every organization recorded after `after`, in `_id` order. */
  recordedAfter(after: ObjectId, limit: number): Promise<AuditEventRecord[]> {
    return this.events
      .find({ _id: trusted({ $gt: after }) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<AuditEventRecord[]>();
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.events.deleteMany({ org_id: orgId });
  }
}
