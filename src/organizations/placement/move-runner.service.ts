import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { CrashPoints } from '../../common/faults/crash-points.js';
import { LeaseKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { RECOVERY_ORIGIN } from '../../common/http/request-origin.js';
import { AppConfig } from '../../config/app-config.js';
import { type Placement, samePlacement } from '../../tenants/placement.js';
import { TenantStorage } from '../../tenants/tenant-storage.service.js';
import { MovePhase } from '../persistence/organization.schema.js';
import { OrganizationsRepository } from '../persistence/organizations.repository.js';
import type { MoveRecord } from './move.schema.js';
import { MovesRepository } from './moves.repository.js';

const COPY_BATCH_SIZE = 1000;
/** Journal entries caught up per read. */
const JOURNAL_BATCH_SIZE = 1000;
/**
 * Catch-up passes end once a pass found at most this many changed records: the cutover then
 * copies only what changed during that last pass, so the write freeze does not grow with the
 * organization's size.
 */
const CUTOVER_READY_BACKLOG = 200;
const MAX_CATCH_UP_PASSES = 50;
/** Every how many copy batches the runner renews its lease and the progress it reports. */
const PROGRESS_EVERY_BATCHES = 1;

/** The runner lost its lease (another instance took over the move): it stops at once. */
class LostMoveLease extends Error {}

/**
 * Runs a move of an organization's data from its placement to another, phase by phase:
 *
 *   copying      target cleared, every document copied in `_id` order from one cursor;
 *   catching_up  records written meanwhile (their writers journal them) copied again, pass by pass;
 *   cutover      writers refused (409), the last journal entries copied, the placement switched;
 *   cleaning_up  the source removed;
 *   done.
 *
 * Only one instance runs a move: it holds the lease `move:<id>` (terms won by insert) and renews it
 * between batches. A failure or a crash before the switch rolls the move back (the target is
 * removed, the source was live throughout); after the switch it is rolled forward. So there is
 * never a second live copy, and no acknowledged write is lost: a writer acknowledges only after
 * seeing, after its journal entry, that the cutover had not begun.
 */
@Injectable()
export class MoveRunner {
  private readonly logger = new Logger(MoveRunner.name);
  private readonly instanceId = randomUUID();
  /**
   * Moves this instance is running. Its lease is this instance's, so the reconciler here would win
   * it too: recovery must skip these, or it would roll back a move that is still copying.
   */
  private readonly running = new Set<string>();

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly moves: MovesRepository,
    private readonly locks: Locks,
    private readonly storage: TenantStorage,
    private readonly crashPoints: CrashPoints,
    private readonly config: AppConfig,
    private readonly audit: AuditLogService,
  ) {}

  /** Takes the move's lease; false when another instance holds it. */
  claim(move: Pick<MoveRecord, '_id'>): Promise<boolean> {
    return this.locks.holdLease(LeaseKeys.move(move._id), this.instanceId, this.config.lifecycle.leaseSeconds);
  }

  /**
   * For a move this instance is about to start, before it is stored: marks it running here and
   * takes its lease, so that no reconciler (this instance's or another's) recovers it meanwhile.
   * `forget` undoes this when the move does not start after all.
   */
  async reserve(moveId: ObjectId): Promise<boolean> {
    this.running.add(moveId.toHexString());
    if (await this.claim({ _id: moveId })) return true;
    this.forget(moveId);
    return false;
  }

  forget(moveId: ObjectId): void {
    this.running.delete(moveId.toHexString());
  }

  /** Runs a move this instance has claimed to its end (done, or rolled back). Never throws. */
  async run(move: MoveRecord): Promise<void> {
    const id = move._id.toHexString();
    this.running.add(id);
    try {
      await this.forward(move);
    } catch (error) {
      if (error instanceof LostMoveLease) return;
      this.logger.warn({ err: error, move: id }, 'Move failed; rolling back');
      await this.rollBack(move, error).catch((rollbackError: unknown) =>
        this.logger.warn({ err: rollbackError }, 'Rolling back the move failed; recovery retries'),
      );
    } finally {
      this.running.delete(id);
    }
  }

  /** Whether this instance is running the move now. */
  isRunning(move: MoveRecord): boolean {
    return this.running.has(move._id.toHexString());
  }

  /**
   * Finishes what a crash interrupted, once this instance holds the move's lease: after the
   * switch, forward; before it, back (the source was live throughout).
   */
  async recover(move: MoveRecord): Promise<void> {
    const org = await this.organizations.findById(move.org_id);
    const switched = org !== null && samePlacement(org.placement, move.to) && !samePlacement(move.from, move.to);
    if (org?.move && !org.move.id.equals(move._id)) {
      // A move that never became the organization's (its start lost a race): it touched no data.
      await this.moves.update(move._id, { phase: MovePhase.RolledBack, finished_at: new Date(), error: 'superseded' });
      return;
    }
    try {
      if (move.phase === MovePhase.CleaningUp || switched) await this.cleanUp(move);
      else await this.rollBack(move, new Error(move.error ?? 'interrupted (instance stopped)'));
    } catch (error) {
      if (!(error instanceof LostMoveLease)) this.logger.warn({ err: error }, 'Recovering the move failed; the next pass retries');
    }
  }

  private async forward(move: MoveRecord): Promise<void> {
    const source = this.storage.records(move.org_id, move.from);
    const target = this.storage.records(move.org_id, move.to);
    this.crashPoints.reach('move.after-start');
    await this.clear(move.to, move);
    await this.storage.provision(move.to);
    let copied = 0;
    let batch = [];
    let batches = 0;
    for await (const document of source.all(COPY_BATCH_SIZE)) {
      batch.push(document);
      if (batch.length < COPY_BATCH_SIZE) continue;
      await target.insertCopies(batch);
      copied += batch.length;
      batch = [];
      batches += 1;
      if (batches % PROGRESS_EVERY_BATCHES === 0) await this.progress(move, { documents_copied: copied });
      if (batches === 1) this.crashPoints.reach('move.mid-copy');
    }
    if (batch.length > 0) await target.insertCopies(batch);
    copied += batch.length;
    this.crashPoints.reach('move.after-copy');
    await this.progress(move, { documents_copied: copied, phase: MovePhase.CatchingUp });
    await this.organizations.setMovePhase(move.org_id, move._id, MovePhase.CatchingUp);
    for (let pass = 0; pass < MAX_CATCH_UP_PASSES; pass += 1) {
      if ((await this.catchUp(move)) <= CUTOVER_READY_BACKLOG) break;
      await this.renew(move);
    }
    await this.cutover(move);
    await this.cleanUp(move);
  }

  /**
   * Refuses writes, copies the last journaled records, switches the placement. Writers that saw
   * the cutover refuse their own write, so what was acknowledged is in the journal by now.
   */
  private async cutover(move: MoveRecord): Promise<void> {
    await this.renew(move);
    const startedAt = new Date();
    await this.organizations.setMovePhase(move.org_id, move._id, MovePhase.Cutover);
    await this.moves.update(move._id, { phase: MovePhase.Cutover, cutover_started_at: startedAt });
    this.crashPoints.reach('move.in-cutover');
    while ((await this.catchUp(move)) > 0);
    await this.storage.copyIndexes(move.from, move.to);
    await this.renew(move);
    const switched = await this.organizations.switchPlacement(move.org_id, move._id, move.to);
    if (!switched) throw new Error('The organization left the cutover before the switch');
    const freezeMs = Date.now() - startedAt.getTime();
    this.crashPoints.reach('move.after-switch');
    await this.moves.update(move._id, { phase: MovePhase.CleaningUp, write_freeze_ms: freezeMs });
  }

  /** Copies the records the journal names (their current source version, or their absence) and forgets those entries. */
  private async catchUp(move: MoveRecord): Promise<number> {
    const source = this.storage.records(move.org_id, move.from);
    const target = this.storage.records(move.org_id, move.to);
    let handled = 0;
    for (;;) {
      const entries = await this.moves.journalPage(move._id, JOURNAL_BATCH_SIZE);
      if (entries.length === 0) return handled;
      const ids = [...new Map(entries.map(({ record_id }) => [record_id.toHexString(), record_id])).values()];
      const present = await source.findEach(ids);
      const presentIds = new Set(present.map(({ _id }) => _id.toHexString()));
      await target.upsertCopies(present);
      const gone = ids.filter((id) => !presentIds.has(id.toHexString()));
      if (gone.length > 0) await target.deleteEach(gone);
      await this.moves.forgetJournal(entries.map(({ _id }) => _id));
      handled += entries.length;
      if (entries.length < JOURNAL_BATCH_SIZE) return handled;
    }
  }

  /**
   * After the switch: the source goes, the change is recorded, then the move ends. Repeatable: the
   * event's key names the move, so a clean-up that recovery repeats records it once. It is recorded
   * while the organization still shows the move, so that no delete (which waits for the move) can
   * remove the audit log before it.
   */
  private async cleanUp(move: MoveRecord): Promise<void> {
    await this.renew(move);
    await this.clear(move.from, move);
    this.crashPoints.reach('move.after-drop-source');
    await this.moves.clearJournal(move._id);
    await this.recordPlacementChanged(move);
    this.crashPoints.reach('move.after-audit');
    await this.organizations.endMove(move.org_id, move._id);
    await this.moves.update(move._id, { phase: MovePhase.Done, finished_at: new Date() });
    this.logger.log(`Move ${move._id.toHexString()} of organization ${move.org_id.toHexString()} done`);
  }

  /** `organization.placement_changed`, once per move, by the operator who asked for it (null for older moves). */
  private recordPlacementChanged(move: MoveRecord): Promise<void> {
    const moveId = move._id.toHexString();
    return this.audit.record({
      orgId: move.org_id,
      action: AuditAction.OrganizationPlacementChanged,
      actor: move.requested_by ?? null,
      target: { type: 'organization', id: move.org_id.toHexString() },
      // The move finishes after the request that started it was answered (or in recovery).
      origin: RECOVERY_ORIGIN,
      details: {
        move_id: moveId,
        from: { mode: move.from.mode, cluster: move.from.cluster },
        to: { mode: move.to.mode, cluster: move.to.cluster },
      },
      onceKey: `${AuditAction.OrganizationPlacementChanged}:${moveId}`,
    });
  }

  /**
   * Before the switch: the organization goes back to writing its source (which it never left), then
   * the target is removed. If the target's cluster cannot be reached, the move stays `failed` and
   * recovery removes the target later; it is never live, so it holds no second copy meanwhile.
   */
  private async rollBack(move: MoveRecord, cause: unknown): Promise<void> {
    const error = cause instanceof Error ? cause.message : String(cause);
    const org = await this.organizations.findById(move.org_id);
    if (org && samePlacement(org.placement, move.to) && !samePlacement(move.from, move.to)) {
      // Switched already: only forward is safe.
      await this.cleanUp(move);
      return;
    }
    await this.moves.update(move._id, { phase: MovePhase.Failed, error });
    await this.organizations.endMove(move.org_id, move._id);
    await this.moves.clearJournal(move._id);
    await this.clear(move.to, move);
    await this.moves.update(move._id, { phase: MovePhase.RolledBack, finished_at: new Date() });
  }

  /** Removes the organization's documents from a placement (its own collection or database goes entirely). */
  private async clear(placement: Placement, move: MoveRecord): Promise<void> {
    await this.renew(move);
    await this.storage.drop(move.org_id, placement);
  }

  private async progress(move: MoveRecord, fields: { documents_copied: number; phase?: MovePhase }): Promise<void> {
    await this.renew(move);
    await this.moves.update(move._id, fields);
  }

  private async renew(move: MoveRecord): Promise<void> {
    if (!(await this.claim(move))) throw new LostMoveLease(`Move ${move._id.toHexString()} was taken over`);
  }
}
