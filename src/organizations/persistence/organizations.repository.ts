import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { AppConfig } from '../../config/app-config.js';
import type { Placement, PlacementMode } from '../../tenants/placement.js';
import {
  type MoveInProgress,
  MovePhase,
  Organization,
  type OrganizationRecord,
  OrganizationStatus,
  type PendingOperation,
  type QuotaOverride,
} from './organization.schema.js';

/** How long the server may spend on one count of organizations (see countInPlacement). */
const COUNT_MAX_TIME_MS = 2000;

/** Organizations in these states exist for clients; the others are mid-create or mid-delete. */
export const VISIBLE_STATUSES: readonly OrganizationStatus[] = [OrganizationStatus.Active, OrganizationStatus.Migrating];

/** Where an organization's tenant collections are referenced, for the reconciler. */
export type CollectionReference = Pick<OrganizationRecord, 'collection_name' | 'placement' | 'status' | 'operation' | 'move'>;
export type ClaimedValues = Pick<OrganizationRecord, '_id' | 'slug' | 'operation'>;

/**
 * The `organizations` collection. Every lifecycle transition is one named conditional update that
 * also requires the epoch it leaves and bumps it; it returns the document as written, or null when
 * the organization was not in the expected state. Which caller may attempt a transition is
 * decided before, by a transition ticket (see OrganizationLifecycleService).
 */
@Injectable()
export class OrganizationsRepository {
  /** Where organizations created before placements existed keep their data (see withPlacement). */
  private readonly legacyPlacement: Omit<Placement, 'collection'>;

  constructor(
    @InjectModel(Organization.name) private readonly organizations: Model<Organization>,
    config: AppConfig,
  ) {
    const onMasterUri = config.tenancy.clusters.find(({ uri }) => uri === config.mongo.uri);
    this.legacyPlacement = { mode: 'collection', cluster: onMasterUri?.name ?? 'default', database: config.mongo.tenantDbName };
  }

  /**
   * Documents written before placements existed have none: their data is in their own collection
   * in the tenant database on MONGODB_URI. The reconciler writes that placement down
   * (backfillPlacements); until it has, the read supplies it.
   */
  private withPlacement(org: OrganizationRecord | null): OrganizationRecord | null {
    if (org && !org.placement) org.placement = { ...this.legacyPlacement, collection: org.collection_name };
    return org;
  }

  /** Writes the placement of up to `limit` organizations from before placements existed; returns how many. */
  async backfillPlacements(limit: number): Promise<number> {
    const legacy = await this.organizations
      .find({ 'placement.mode': null }, { collection_name: 1 })
      .limit(limit)
      .lean<Pick<OrganizationRecord, '_id' | 'collection_name'>[]>();
    for (const { _id, collection_name } of legacy) {
      await this.organizations.updateOne(
        { _id, 'placement.mode': null },
        { $set: { placement: { ...this.legacyPlacement, collection: collection_name } } },
      );
    }
    return legacy.length;
  }

  async insertProvisioning(org: {
    _id: ObjectId;
    name: string;
    slug: string;
    placement: Placement;
    lease_until: Date;
    new_account?: PendingOperation['new_account'];
  }): Promise<void> {
    const { lease_until, new_account, ...fields } = org;
    await this.organizations.create({
      ...fields,
      collection_name: fields.placement.collection,
      status: OrganizationStatus.Provisioning,
      lifecycle_epoch: 0,
      operation: { kind: 'create', lease_until, ...(new_account ? { new_account } : {}) } satisfies PendingOperation,
    });
  }

  /** provisioning -> active: the create finished. */
  markActive(orgId: ObjectId): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: orgId, status: OrganizationStatus.Provisioning, lifecycle_epoch: 0 },
      { $set: { status: OrganizationStatus.Active }, $unset: { operation: 1 } },
    );
  }

  /** provisioning -> deleting: a create that cannot finish is undone as a delete. */
  abandonCreate(orgId: ObjectId, leaseUntil: Date, expectedLeaseUntil?: Date): Promise<OrganizationRecord | null> {
    const filter: Record<string, unknown> = { _id: orgId, status: OrganizationStatus.Provisioning, lifecycle_epoch: 0 };
    if (expectedLeaseUntil) filter['operation.lease_until'] = expectedLeaseUntil;
    // The operation keeps the account the create registered, for the delete to remove.
    return this.transition(filter, {
      $set: { status: OrganizationStatus.Deleting, 'operation.kind': 'delete', 'operation.lease_until': leaseUntil },
    });
  }

  /** active -> migrating, recording where the rename goes. */
  beginRename(org: OrganizationRecord, operation: PendingOperation): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch, move: null },
      { $set: { status: OrganizationStatus.Migrating, operation } },
    );
  }

  /** migrating -> active under the new name. */
  finishRename(orgId: ObjectId, target: { name: string; slug: string; placement: Placement }): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: orgId, status: OrganizationStatus.Migrating },
      { $set: { status: OrganizationStatus.Active, collection_name: target.placement.collection, ...target }, $unset: { operation: 1 } },
    );
  }

  /** active -> active with another spelling of the same slug. */
  changeName(org: OrganizationRecord, name: string): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch, move: null },
      { $set: { name } },
    );
  }

  /** active -> deleting. */
  beginDelete(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch, move: null },
      { $set: { status: OrganizationStatus.Deleting, operation: deleteOperation(leaseUntil) } },
    );
  }

  /** deleting -> (removed). */
  async removeDeleting(orgId: ObjectId): Promise<void> {
    await this.organizations.deleteOne({ _id: orgId, status: OrganizationStatus.Deleting });
  }

  /** Moves the lease of an operation whose lease ran out to a new holder; null if someone else did first. */
  takeOverExpired(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    return this.organizations
      .findOneAndUpdate(
        { _id: org._id, status: org.status, 'operation.lease_until': org.operation?.lease_until },
        { $set: { 'operation.lease_until': leaseUntil } },
        { returnDocument: 'after' },
      )
      .lean<OrganizationRecord>();
  }

  /** Keeps a long rename's lease from running out while its collection is copied. */
  async renewRenameLease(orgId: ObjectId, leaseUntil: Date): Promise<void> {
    await this.organizations.updateOne(
      { _id: orgId, status: OrganizationStatus.Migrating },
      { $set: { 'operation.lease_until': leaseUntil } },
    );
  }

  /** The driver's own findOne: the read behind most requests needs no query casting (BENCHMARKS.md "What changed for these figures"). */
  findById(orgId: ObjectId | string): Promise<OrganizationRecord | null> {
    return this.organizations.collection
      .findOne<OrganizationRecord>({ _id: typeof orgId === 'string' ? toObjectId(orgId) : orgId })
      .then((org) => this.withPlacement(org));
  }

  async exists(orgId: ObjectId): Promise<boolean> {
    return (await this.organizations.exists({ _id: orgId })) !== null;
  }

  /** The organization's lifecycle epoch and move under way (null once it is gone). */
  writeState(orgId: ObjectId): Promise<Pick<OrganizationRecord, 'lifecycle_epoch' | 'move'> | null> {
    return this.organizations.collection.findOne<Pick<OrganizationRecord, 'lifecycle_epoch' | 'move'>>(
      { _id: orgId },
      { projection: { _id: 0, lifecycle_epoch: 1, move: 1 } },
    );
  }

  /**
   * Visible organizations in `_id` order after the cursor; `limit` of them at most. With
   * `slugPrefix`, only those whose slug starts with it: a range on the unique slug index, which
   * every server handles (no regex): past the prefix comes no string that starts with it, as
   * U+10FFFF is the last code point (strings compare by their UTF-8 bytes).
   */
  pageVisible(after: ObjectId | undefined, limit: number, slugPrefix?: string): Promise<OrganizationRecord[]> {
    const filter: Record<string, unknown> = { status: trusted({ $in: VISIBLE_STATUSES }) };
    if (after) filter._id = trusted({ $gt: after });
    if (slugPrefix !== undefined) filter.slug = trusted({ $gte: slugPrefix, $lt: `${slugPrefix}\u{10FFFF}` });
    return this.organizations.find(filter).sort({ _id: 1 }).limit(limit).lean<OrganizationRecord[]>();
  }

  /** The organization's suspension, slug, status and quota override; null once it is gone. One small primary-key read. */
  findGlance(orgId: string): Promise<Pick<OrganizationRecord, 'suspended_at' | 'slug' | 'status' | 'quota'> | null> {
    return this.organizations.collection.findOne<Pick<OrganizationRecord, 'suspended_at' | 'slug' | 'status' | 'quota'>>(
      { _id: toObjectId(orgId) },
      { projection: { _id: 0, suspended_at: 1, slug: 1, status: 1, quota: 1 } },
    );
  }

  /**
   * Suspends (a date) or resumes (null) a visible organization that is not in that state yet; the
   * document as written, or null when it was not visible or already in that state. No epoch moves:
   * suspension is no lifecycle transition.
   */
  setSuspendedAt(orgId: ObjectId, suspendedAt: Date | null): Promise<OrganizationRecord | null> {
    // `null` matches a missing field too (documents from before suspensions).
    const current = suspendedAt === null ? trusted({ $ne: null }) : null;
    return this.organizations
      .findOneAndUpdate(
        { _id: orgId, status: trusted({ $in: VISIBLE_STATUSES }), suspended_at: current },
        { $set: { suspended_at: suspendedAt } },
        { returnDocument: 'after' },
      )
      .lean<OrganizationRecord>();
  }

  /** Operations in progress whose lease ran out before `now`. */
  findExpiredOperations(now: Date, limit: number): Promise<OrganizationRecord[]> {
    return this.organizations
      .find({
        status: trusted({ $in: [OrganizationStatus.Provisioning, OrganizationStatus.Migrating, OrganizationStatus.Deleting] }),
        'operation.lease_until': trusted({ $lt: now }),
      })
      .limit(limit)
      .lean<OrganizationRecord[]>();
  }

  /** The slugs each of the organizations holds or is about to hold. */
  findClaimedValues(orgIds: ObjectId[]): Promise<ClaimedValues[]> {
    return this.organizations.find({ _id: trusted({ $in: orgIds }) }, { slug: 1, operation: 1 }).lean<ClaimedValues[]>();
  }

  /** Organizations whose pending rename also changes one of these accounts' credentials. */
  findPendingCredentialChanges(accountIds: ObjectId[]): Promise<Pick<OrganizationRecord, 'operation'>[]> {
    return this.organizations
      .find({ 'operation.credential_changes.account_id': trusted({ $in: accountIds }) }, { _id: 0, operation: 1 })
      .lean<Pick<OrganizationRecord, 'operation'>[]>();
  }

  /** Visible organizations with these ids. */
  findVisibleByIds(orgIds: ObjectId[]): Promise<OrganizationRecord[]> {
    return this.organizations
      .find({ _id: trusted({ $in: orgIds }), status: trusted({ $in: VISIBLE_STATUSES }) })
      .lean<OrganizationRecord[]>();
  }

  /** Where every organization that has (or is moving into) a collection of its own keeps it. */
  findCollectionReferences(): Promise<CollectionReference[]> {
    return this.organizations
      .find(
        { $or: [{ 'placement.mode': 'collection' }, { 'move.to.mode': 'collection' }] },
        { collection_name: 1, placement: 1, status: 1, 'operation.to_collection': 1, move: 1 },
      )
      .lean<CollectionReference[]>();
  }

  /**
   * Marks a move under way, unless another operation holds the organization. Not a lifecycle
   * transition: the epoch stays, so writes in flight are not refused.
   */
  /** Sets the organization's quota override; null when it is not visible. */
  setQuota(orgId: ObjectId, quota: QuotaOverride): Promise<OrganizationRecord | null> {
    return this.organizations
      .findOneAndUpdate({ _id: orgId, status: trusted({ $in: VISIBLE_STATUSES }) }, { $set: { quota } }, { returnDocument: 'after' })
      .lean<OrganizationRecord>();
  }

  beginMove(org: OrganizationRecord, move: MoveInProgress): Promise<OrganizationRecord | null> {
    return this.organizations
      .findOneAndUpdate(
        { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch, move: null },
        { $set: { move } },
        { returnDocument: 'after' },
      )
      .lean<OrganizationRecord>();
  }

  /** The move's next phase, as writers see it. */
  async setMovePhase(orgId: ObjectId, moveId: ObjectId, phase: MovePhase): Promise<void> {
    await this.organizations.updateOne({ _id: orgId, 'move.id': moveId }, { $set: { 'move.phase': phase } });
  }

  /**
   * The cutover's switch: the placement becomes the move's target. A lifecycle transition: writes
   * that read the organization before it are refused, as they may have gone to the old placement.
   */
  switchPlacement(orgId: ObjectId, moveId: ObjectId, placement: Placement): Promise<OrganizationRecord | null> {
    return this.transition(
      { _id: orgId, 'move.id': moveId, 'move.phase': MovePhase.Cutover },
      { $set: { placement, collection_name: placement.collection, 'move.phase': MovePhase.CleaningUp } },
    );
  }

  /** The move is over (finished or rolled back): the organization is free for other operations. */
  async endMove(orgId: ObjectId, moveId: ObjectId): Promise<void> {
    await this.organizations.updateOne({ _id: orgId, 'move.id': moveId }, { $set: { move: null } });
  }

  /** Organizations per placement mode on each cluster. */
  /**
   * Organizations in one mode on one cluster: a count over the `{placement.cluster, placement.mode}`
   * index, which MongoDB answers from the index alone. (A `$group` over every organization read a
   * million documents per call and outlasted the socket timeout on FerretDB.)
   */
  countInPlacement(cluster: string, mode: string): Promise<number> {
    // maxTimeMS: a count the report gave up on must not keep running on the server.
    return this.organizations
      .countDocuments({ 'placement.cluster': cluster, 'placement.mode': mode as PlacementMode })
      .maxTimeMS(COUNT_MAX_TIME_MS)
      .exec();
  }

  private transition(filter: Record<string, unknown>, update: Record<string, unknown>): Promise<OrganizationRecord | null> {
    return this.organizations
      .findOneAndUpdate(filter, { ...update, $inc: { lifecycle_epoch: 1 } }, { returnDocument: 'after' })
      .lean<OrganizationRecord>();
  }
}

function deleteOperation(leaseUntil: Date): PendingOperation {
  return { kind: 'delete', lease_until: leaseUntil };
}
