import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import type { ObjectId } from '../common/database/object-id.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { MovePhase, type OrganizationRecord, OrganizationStatus } from '../organizations/persistence/organization.schema.js';
import { OrganizationMoves, type WriteState } from '../organizations/placement/organization-moves.service.js';
import { readablePlacements } from '../organizations/tenant-location.js';
import type { TenantRecords } from '../tenants/persistence/tenant-records.repository.js';
import { TenantStorage } from '../tenants/tenant-storage.service.js';
import { OrganizationMigratingError } from './records.errors.js';

/** How long an undone insert waits for a cutover to end before removing its copy from the target. */
const CUTOVER_WAIT_MS = 3000;

/**
 * The protocol every write of tenant records follows, wherever its organization's placement is.
 *
 * A write reads the organization before and after writing. An unchanged lifecycle epoch proves
 * the write landed before any rename or placement switch, so that operation carries it; a changed
 * one means the write may have raced it, so it is answered 409 with Retry-After (an insert is also
 * undone). While a move copies the data, the written ids are journaled for the move's catch-up, and
 * acknowledged only if the move's cutover had not begun once the journal entries were written (see
 * OrganizationMoves.verdict). Replace and delete are idempotent, so retrying them after a 409 is safe.
 */
@Injectable()
export class RecordWrites {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly storage: TenantStorage,
    private readonly moves: OrganizationMoves,
  ) {}

  /** The caller's organization, refused at once (409) during a rename and during a move's cutover. */
  async writableOrganization(caller: AuthenticatedMember): Promise<OrganizationRecord> {
    return this.writable(await this.organizations.findOwnOrganization(caller));
  }

  /** The organization as stored now, unless a rename or cutover holds it (then OrganizationMigratingError). */
  async readAgain(org: OrganizationRecord): Promise<OrganizationRecord> {
    const now = await this.organizations.findVisibleById(org._id);
    if (!now) throw new OrganizationMigratingError();
    return this.writable(now);
  }

  /** Where the organization's writes go now. */
  records(org: OrganizationRecord): TenantRecords {
    return this.storage.records(org._id, org.placement);
  }

  /** Whether writes of these records, sent to where `org` placed the organization, may be acknowledged. */
  async acknowledged(org: OrganizationRecord, ids: readonly ObjectId[]): Promise<boolean> {
    return (await this.moves.verdict(org, ids, () => this.writeState(org._id))) === 'acknowledged';
  }

  /**
   * Removes refused inserts wherever they may sit: where they were written, in a rename's new
   * collection, or (copied by a move's catch-up) in the move's target, the target once the cutover
   * is over, so that no catch-up copies them back afterwards.
   */
  async undoInserts(before: OrganizationRecord, ids: readonly ObjectId[]): Promise<void> {
    const now = (await this.organizations.findVisibleById(before._id).catch(() => null)) ?? before;
    const places = [before.placement, ...readablePlacements(now)];
    for (const placement of places) await this.storage.records(before._id, placement).deleteEach([...ids]);
    const move = now.move ?? before.move;
    if (!move) return;
    await this.moves.untilNoCutover(() => this.writeState(before._id), CUTOVER_WAIT_MS);
    await this.storage.records(before._id, move.to).deleteEach([...ids]);
  }

  private writable(org: OrganizationRecord): OrganizationRecord {
    if (org.status !== OrganizationStatus.Active || org.move?.phase === MovePhase.Cutover) throw new OrganizationMigratingError();
    return org;
  }

  private writeState(orgId: ObjectId): Promise<WriteState | null> {
    return this.organizations.writeState(orgId);
  }
}
