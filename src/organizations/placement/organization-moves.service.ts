import { Injectable, Logger } from '@nestjs/common';
import type { AuditActor } from '../../audit/persistence/audit-event.schema.js';
import { domainError, ErrorCode } from '../../common/errors/domain.error.js';
import { newObjectId, type ObjectId } from '../../common/database/object-id.js';
import { ExclusiveKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import { AppConfig } from '../../config/app-config.js';
import { TenantClusters } from '../../tenants/clusters/tenant-clusters.service.js';
import { type PlacementMode, placementOf, samePlacement } from '../../tenants/placement.js';
import { UnknownClusterError } from '../../tenants/tenants.errors.js';
import { OrganizationBusyError, OrganizationNotFoundError } from '../organization.errors.js';
import { type MoveInProgress, MovePhase, type OrganizationRecord, OrganizationStatus } from '../persistence/organization.schema.js';
import { OrganizationsRepository } from '../persistence/organizations.repository.js';
import type { MoveRecord } from './move.schema.js';
import { MoveRunner } from './move-runner.service.js';
import { MovesRepository } from './moves.repository.js';

export class MoveNotFoundError extends domainError(ErrorCode.MoveNotFound, 'Move not found') {}

/** Moves recovered per reconciler pass. */
const RECOVERY_BATCH = 50;

export type MoveRequestOutcome = { started: MoveRecord } | { alreadyThere: OrganizationRecord };

/** Where a write of a record went, and whether the organization's data was moving meanwhile. */
export type WriteVerdict = 'acknowledged' | 'refused';

/**
 * Operators' moves of an organization's data (POST /platform/organizations/:id/placement), and the
 * part of them the records writers play: journaling what they wrote while a copy runs, and telling
 * whether a write may be acknowledged.
 */
@Injectable()
export class OrganizationMoves {
  private readonly logger = new Logger(OrganizationMoves.name);

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly moves: MovesRepository,
    private readonly locks: Locks,
    private readonly clusters: TenantClusters,
    private readonly runner: MoveRunner,
    private readonly config: AppConfig,
  ) {}

  /**
   * Starts moving the organization's data to `mode` on `cluster` (default: where it is now). The
   * move runs in the background on this instance; GET /platform/moves/:id follows it. `by` is kept
   * on the move: its `organization.placement_changed` event names it when the move is done.
   */
  async request(orgId: ObjectId, target: { mode: PlacementMode; cluster?: string }, by: AuditActor | null): Promise<MoveRequestOutcome> {
    const org = await this.organizations.findById(orgId);
    if (!org || (org.status !== OrganizationStatus.Active && org.status !== OrganizationStatus.Migrating)) {
      throw new OrganizationNotFoundError();
    }
    const cluster = target.cluster ?? org.placement.cluster;
    if (!this.clusters.has(cluster))
      throw new UnknownClusterError(`Unknown cluster ${cluster}; configured: ${this.clusters.names().join(', ')}`);
    const to = placementOf(target.mode, cluster, { id: org._id.toHexString(), slug: org.slug }, this.config.mongo.tenantDbName);
    if (samePlacement(org.placement, to)) return { alreadyThere: org };
    if (org.status !== OrganizationStatus.Active || org.move) throw new OrganizationBusyError();
    const moveId = newObjectId();
    // Reserved before the move is stored, so that no reconciler takes a move that is just starting.
    if (!(await this.runner.reserve(moveId))) throw new OrganizationBusyError();
    try {
      const move = await this.moves.insert({ _id: moveId, org_id: org._id, from: org.placement, to, requested_by: by });
      if (!(await this.begin(org, move))) {
        await this.moves.remove(move._id);
        throw new OrganizationBusyError();
      }
      void this.runner.run(move);
      return { started: move };
    } catch (error) {
      this.runner.forget(moveId);
      throw error;
    }
  }

  /** Shows the move on the organization; contended with renames, deletes and other moves through the ticket of the epoch they all leave. */
  private async begin(org: OrganizationRecord, move: MoveRecord): Promise<boolean> {
    return this.locks.runExclusive(
      ExclusiveKeys.organizationEpoch(org._id, org.lifecycle_epoch),
      async () =>
        (await this.organizations.beginMove(org, { id: move._id, phase: MovePhase.Copying, to: move.to } satisfies MoveInProgress)) !==
        null,
      () => false,
    );
  }

  async get(moveId: ObjectId): Promise<MoveRecord> {
    const move = await this.moves.findById(moveId);
    if (!move) throw new MoveNotFoundError();
    return move;
  }

  /**
   * Whether writes of these records that landed where `before` placed the organization may be acknowledged, given
   * the organization as read again after the write (`after`). While a copy runs, the record is
   * journaled and the state read once more: the cutover copies the journal after refusing writes,
   * so a write acknowledged before the cutover began is always carried over.
   */
  async verdict(
    before: OrganizationRecord,
    recordIds: readonly ObjectId[],
    readAgain: () => Promise<WriteState | null>,
  ): Promise<WriteVerdict> {
    let after = await readAgain();
    if (!after || after.lifecycle_epoch !== before.lifecycle_epoch) return 'refused';
    if (!after.move || after.move.phase === MovePhase.CleaningUp) return 'acknowledged';
    if (after.move.phase === MovePhase.Cutover) return 'refused';
    await this.moves.journalWrites(after.move.id, recordIds);
    after = await readAgain();
    if (!after || after.lifecycle_epoch !== before.lifecycle_epoch) return 'refused';
    return after.move?.phase === MovePhase.Cutover ? 'refused' : 'acknowledged';
  }

  /**
   * Waits (at most `timeoutMs`) until the organization is not in a cutover, so that an undone
   * insert is not copied back after it was removed.
   */
  async untilNoCutover(readAgain: () => Promise<WriteState | null>, timeoutMs: number): Promise<WriteState | null> {
    const deadline = Date.now() + timeoutMs;
    let state = await readAgain();
    while (state?.move?.phase === MovePhase.Cutover && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = await readAgain();
    }
    return state;
  }

  /** Finishes or rolls back moves whose runner is gone (their lease ran out); retries failed clean-ups. */
  async recoverInterrupted(): Promise<number> {
    let recovered = 0;
    for (const move of await this.moves.findUnfinished(RECOVERY_BATCH)) {
      if (this.runner.isRunning(move) || !(await this.runner.claim(move))) continue;
      this.logger.warn(`Recovering move ${move._id.toHexString()} (phase ${move.phase})`);
      await this.runner.recover(move);
      recovered += 1;
    }
    return recovered;
  }
}

/** What a writer reads of its organization after writing. */
export type WriteState = Pick<OrganizationRecord, 'lifecycle_epoch' | 'move'>;
