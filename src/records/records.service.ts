import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { newObjectId, toObjectId, type ObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { type OrganizationRecord, OrganizationStatus, MovePhase } from '../organizations/persistence/organization.schema.js';
import { OrganizationMoves, type WriteState } from '../organizations/placement/organization-moves.service.js';
import { readablePlacements } from '../organizations/tenant-location.js';
import type { Placement } from '../tenants/placement.js';
import type { StoredTenantRecord } from '../tenants/persistence/tenant-record.schema.js';
import { TenantStorage } from '../tenants/tenant-storage.service.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { assertValidRecordData } from './record-data.js';
import { OrganizationMigratingError, RecordNotFoundError } from './records.errors.js';

/** Organizations whose record placements are remembered. */
const RECENT_PLACEMENT_ENTRIES = 10_000;
/** How long an undone insert waits for a cutover to end before removing its copy from the target. */
const CUTOVER_WAIT_MS = 3000;

/**
 * The token's organization's own documents, wherever its placement says they live.
 *
 * A write reads the organization before and after writing. An unchanged lifecycle epoch proves
 * the write landed before any rename or placement switch, so that operation carries it; a changed
 * one means the write may have raced it, so it is answered 409 with Retry-After (an insert is also
 * undone). While a move copies the data, the write is journaled for the move's catch-up, and
 * acknowledged only if the move's cutover had not begun once the journal entry was written (see
 * OrganizationMoves.verdict). Replace and delete are idempotent, so retrying them after a 409 is safe.
 */
@Injectable()
export class RecordsService {
  /**
   * Where each organization's records were a moment ago, so that reading a record by id costs one
   * database round trip instead of two. Every read names the caller's organization, so a
   * placement that has since moved on (or whose collection name now belongs to another
   * organization) simply finds nothing, and the read falls back to the organization as stored now.
   */
  private readonly recentPlacements = new ExpiringCache<Placement[]>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: RECENT_PLACEMENT_ENTRIES,
  });

  constructor(
    private readonly organizations: OrganizationsService,
    private readonly storage: TenantStorage,
    private readonly moves: OrganizationMoves,
  ) {}

  async create(caller: AuthenticatedMember, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const _id = newObjectId();
    const created = await this.storage.records(org._id, org.placement).insert(_id, data);
    if ((await this.verdict(org, _id)) === 'refused') {
      await this.undoInsert(org, _id);
      throw new OrganizationMigratingError();
    }
    return toView(created);
  }

  /**
   * First through the placements remembered for the organization: another instance may have
   * renamed or moved it since, which the read (by id and organization) answers by finding nothing.
   * On a miss, through the organization as stored now.
   */
  async get(caller: AuthenticatedMember, id: string): Promise<RecordViewDto> {
    const orgId = toObjectId(caller.orgId);
    const recent = this.recentPlacements.peek(caller.orgId);
    const fast = recent ? await this.findIn(orgId, recent, id) : null;
    if (fast) return toView(fast);
    const org = await this.organizations.findOwnOrganization(caller);
    const placements = readablePlacements(org);
    this.recentPlacements.set(caller.orgId, placements);
    const found = await this.findIn(org._id, placements, id);
    if (!found) throw new RecordNotFoundError();
    return toView(found);
  }

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<RecordPageDto> {
    const org = await this.organizations.findOwnOrganization(caller);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? toObjectId(query.cursor) : undefined;
    // During a rename, the first non-empty page of the old collection and then the new one.
    let documents: StoredTenantRecord[] = [];
    for (const placement of readablePlacements(org)) {
      // One extra document tells whether another page exists.
      documents = await this.storage.records(org._id, placement).page(after, limit + 1);
      if (documents.length > 0) break;
    }
    return toPage(documents, limit, toView);
  }

  async replace(caller: AuthenticatedMember, id: string, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const recordId = toObjectId(id);
    const updated = await this.storage.records(org._id, org.placement).replaceData(recordId, data);
    if ((await this.verdict(org, recordId)) === 'refused') throw new OrganizationMigratingError();
    if (!updated) throw new RecordNotFoundError();
    return toView(updated);
  }

  async delete(caller: AuthenticatedMember, id: string): Promise<void> {
    const org = await this.writableOrganization(caller);
    const recordId = toObjectId(id);
    const deleted = await this.storage.records(org._id, org.placement).delete(recordId);
    if ((await this.verdict(org, recordId)) === 'refused') throw new OrganizationMigratingError();
    if (!deleted) throw new RecordNotFoundError();
  }

  private async findIn(orgId: ObjectId, placements: Placement[], id: string): Promise<StoredTenantRecord | null> {
    for (const placement of placements) {
      const found = await this.storage.records(orgId, placement).findById(id);
      if (found) return found;
    }
    return null;
  }

  /** Refused at once (409) during a rename and during a move's cutover. */
  private async writableOrganization(caller: AuthenticatedMember): Promise<OrganizationRecord> {
    const org = await this.organizations.findOwnOrganization(caller);
    if (org.status !== OrganizationStatus.Active || org.move?.phase === MovePhase.Cutover) throw new OrganizationMigratingError();
    return org;
  }

  private verdict(org: OrganizationRecord, recordId: ObjectId) {
    return this.moves.verdict(org, recordId, () => this.writeState(org._id));
  }

  private writeState(orgId: ObjectId): Promise<WriteState | null> {
    return this.organizations.writeState(orgId);
  }

  /**
   * The refused insert may sit where it was written, in a rename's new collection, or (copied by a
   * move's catch-up) in the move's target: removed from each, the target once the cutover is over,
   * so that no catch-up copies it back afterwards.
   */
  private async undoInsert(before: OrganizationRecord, id: ObjectId): Promise<void> {
    const now = (await this.organizations.findVisibleById(before._id).catch(() => null)) ?? before;
    const places = [before.placement, ...readablePlacements(now)];
    for (const placement of places) await this.storage.records(before._id, placement).delete(id);
    const move = now.move ?? before.move;
    if (!move) return;
    await this.moves.untilNoCutover(() => this.writeState(before._id), CUTOVER_WAIT_MS);
    await this.storage.records(before._id, move.to).delete(id);
  }
}

function toView(record: StoredTenantRecord): RecordViewDto {
  return { id: record._id.toHexString(), data: record.data, created_at: record.created_at, updated_at: record.updated_at };
}
