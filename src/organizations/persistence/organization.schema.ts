import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { AuditActor } from '../../audit/persistence/audit-event.schema.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import type { CredentialChanges } from '../../accounts/accounts.service.js';
import type { ObjectId } from '../../common/database/object-id.js';
import type { Placement } from '../../tenants/placement.js';

/** Phases of a move of an organization's data (SPEC "Tenant placement"). */
export enum MovePhase {
  Copying = 'copying',
  CatchingUp = 'catching_up',
  Cutover = 'cutover',
  CleaningUp = 'cleaning_up',
  Done = 'done',
  Failed = 'failed',
  RolledBack = 'rolled_back',
}

/**
 * The move under way, mirrored on the organization because every tenant write reads the
 * organization anyway: a writer learns of a move, and of its cutover, with no read of its own.
 */
export interface MoveInProgress {
  id: ObjectId;
  phase: MovePhase;
  to: Placement;
}

/**
 * Lifecycle states (see OrganizationLifecycleService for how each transition is won):
 *   provisioning -> active            (create finished; a stale one is rolled back)
 *   active -> migrating -> active     (rename; a stale one is rolled forward)
 *   active -> deleting -> (removed)   (delete; a stale one is rolled forward)
 */
export enum OrganizationStatus {
  Provisioning = 'provisioning',
  Active = 'active',
  Migrating = 'migrating',
  Deleting = 'deleting',
}

/** The multi-step operation in progress, enough for any instance to finish it after a crash. */
export interface PendingOperation {
  kind: 'create' | 'rename' | 'delete';
  /** Until then the instance that started the operation owns it; after, the reconciler may. */
  lease_until: Date;
  to_name?: string;
  to_slug?: string;
  /** Where a rename moves the documents (`collection` mode only; other modes rename nothing). */
  to_collection?: string;
  /** The account a create registered for its owner: undoing the create removes it again. */
  new_account?: { _id: ObjectId; email: string };
  /** The caller's own credential changes that complete together with the rename. */
  credential_changes?: CredentialChanges;
  /** Who asked, and from where: recovery records the operation in their name. */
  requested_by?: AuditActor;
  origin?: RequestOrigin;
}

@Schema({ collection: 'organizations', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Organization {
  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: String, required: true })
  slug: string;

  /** The collection that holds its documents: `placement.collection`, kept for the seeds' clients. */
  @Prop({ type: String, required: true })
  collection_name: string;

  /** Where its documents live. */
  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  placement: Placement;

  /** The move of its data in progress, if any; null otherwise. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  move?: MoveInProgress | null;

  @Prop({ type: String, enum: Object.values(OrganizationStatus), required: true })
  status: OrganizationStatus;

  /** Bumped by every lifecycle transition; tenant writes compare it before and after writing. */
  @Prop({ type: Number, required: true, default: 0 })
  lifecycle_epoch: number;

  @Prop({ type: MongooseSchema.Types.Mixed })
  operation?: PendingOperation;

  /**
   * When an operator suspended the organization; null (or absent, on documents written before
   * suspensions existed) while it is not suspended. Independent of the lifecycle: suspending
   * bumps no epoch and interrupts no operation.
   */
  @Prop({ type: Date, default: null })
  suspended_at?: Date | null;

  /** An operator's quota for this organization; each limit left out takes the configured default. */
  @Prop({ type: MongooseSchema.Types.Mixed, default: undefined })
  quota?: QuotaOverride | null;

  created_at: Date;
  updated_at: Date;
}

export interface QuotaOverride {
  max_documents?: number;
  max_bytes?: number;
}

export type OrganizationRecord = Organization & { _id: Types.ObjectId };

/** Whether an operator has suspended the organization. */
export function isSuspended(org: Pick<OrganizationRecord, 'suspended_at'>): boolean {
  return org.suspended_at !== undefined && org.suspended_at !== null;
}

export const OrganizationSchema = SchemaFactory.createForClass(Organization);
// GET /org/list pages and every by-id read use the built-in `_id` index.
// Names are looked up through unique_claims by `_id`; this unique index is MongoDB's backstop against
// two organizations ever sharing a slug, and serves GET /platform/organizations?name_prefix= (a
// `{slug: {$gte, $lt}}` range).
OrganizationSchema.index({ slug: 1 }, { unique: true });
// Reconciler: operations whose lease ran out, `{status: {$in: [...]}, 'operation.lease_until': {$lt: now}}`.
OrganizationSchema.index({ status: 1, 'operation.lease_until': 1 });
// Reconciler: organizations with (or moving into) a collection of their own, an `$or` of these two,
// so that a million shared-mode organizations are not read on every pass.
OrganizationSchema.index({ 'placement.mode': 1 });
// GET /platform/clusters: organizations per mode on each cluster, one index-only count each.
OrganizationSchema.index({ 'placement.cluster': 1, 'placement.mode': 1 });
OrganizationSchema.index({ 'move.to.mode': 1 });
