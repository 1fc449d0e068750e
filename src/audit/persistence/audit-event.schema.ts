import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { Actor } from '../../common/access/authenticated-member.js';
import { AuditAction } from '../audit-action.js';

export type AuditActor = Actor;

export interface AuditTarget {
  type: 'organization' | 'member' | 'invitation' | 'api_key' | 'record_index' | 'webhook';
  name?: string;
  id: string;
  email?: string;
}

/** The audit target for a stored document: `{type, id, email?}`. */
export function auditTarget(type: AuditTarget['type'], document: { _id: { toHexString(): string }; email?: string }): AuditTarget {
  return { type, id: document._id.toHexString(), ...(document.email === undefined ? {} : { email: document.email }) };
}

/** One change to an organization, its members or invitations, or one login of a member. Never holds a secret. */
@Schema({ collection: 'audit_events', versionKey: false, minimize: false })
export class AuditEvent {
  /** Unique per event; an operation that may be recorded twice (by a request and by recovery) names itself, so it is stored once. */
  @Prop({ type: String, required: true })
  key: string;

  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: Date, required: true })
  at: Date;

  @Prop({ type: String, enum: Object.values(AuditAction), required: true })
  action: AuditAction;

  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  actor: AuditActor | null;

  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  target: AuditTarget | null;

  @Prop({ type: String, default: null })
  ip: string | null;

  @Prop({ type: String, default: null })
  request_id: string | null;

  @Prop({ type: MongooseSchema.Types.Mixed, default: {} })
  details: Record<string, unknown>;
}

export type AuditEventRecord = AuditEvent & { _id: Types.ObjectId };

export const AuditEventSchema = SchemaFactory.createForClass(AuditEvent);
// GET /org/audit: `{org_id, _id: {$lt}}` newest first by `_id`; deleting an organization's log: `{org_id}`.
AuditEventSchema.index({ org_id: 1, _id: -1 });
// GET /org/audit?action=: `{org_id, action, _id: {$lt}}` newest first.
AuditEventSchema.index({ org_id: 1, action: 1, _id: -1 });
// Recording an event once: the insert of a second event with the same key is refused.
AuditEventSchema.index({ key: 1 }, { unique: true });
