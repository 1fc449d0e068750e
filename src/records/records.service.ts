import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { DomainError } from '../common/errors/domain.error.js';
import { newObjectId, toObjectId, type ObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE } from '../common/paging/page.query.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { OrganizationQuotas, recordBytes } from '../organizations/quotas/organization-quotas.service.js';
import { readablePlacements } from '../organizations/tenant-location.js';
import type { Placement } from '../tenants/placement.js';
import type { StoredTenantRecord } from '../tenants/persistence/tenant-record.schema.js';
import { TenantStorage } from '../tenants/tenant-storage.service.js';
import { DuplicateRecordError } from '../tenants/tenants.errors.js';
import type { RecordListQuery } from './dto/record-list.query.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { compileRecordQuery } from './query/record-query.js';
import { assertValidRecordData } from './record-data.js';
import { BATCH_MAX_BYTES } from './record-limits.js';
import { RecordWrites } from './record-writes.js';
import { BatchTooLargeError, OrganizationMigratingError, RecordNotFoundError } from './records.errors.js';

/** Organizations whose record placements are remembered. */
const RECENT_PLACEMENT_ENTRIES = 10_000;

/** One record of a batch: created (its id), or refused (why). */
export type BatchItem = { id: string } | { error: DomainError };

/**
 * The token's organization's own documents, wherever its placement says they live. Writes follow
 * RecordWrites' protocol and claim their share of the organization's quota first.
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
    private readonly writes: RecordWrites,
    private readonly quotas: OrganizationQuotas,
  ) {}

  async create(caller: AuthenticatedMember, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const bytes = recordBytes(data);
    this.quotas.refuseKnownOverflow(caller.orgId, { documents: 1, bytes });
    const org = await this.writes.writableOrganization(caller);
    return this.quotas.whileReserved(org, { documents: 1, bytes }, async (reservation) => {
      const _id = newObjectId();
      const created = await this.writes.records(org).insert(_id, data);
      if (!(await this.writes.acknowledged(org, [_id]))) {
        await this.writes.undoInserts(org, [_id]);
        throw new OrganizationMigratingError();
      }
      await reservation.commit({ documents: 1, bytes });
      return toView(created);
    });
  }

  /**
   * Creates each valid record; an invalid one gets its own error and the others go on. The
   * organization's quota and the body limit apply to the whole batch: over either, nothing is written.
   */
  async createBatch(caller: AuthenticatedMember, records: unknown[]): Promise<BatchItem[]> {
    if (Buffer.byteLength(JSON.stringify(records)) > BATCH_MAX_BYTES) throw new BatchTooLargeError();
    const items: BatchItem[] = [];
    const valid: { position: number; _id: ObjectId; data: Record<string, unknown>; bytes: number }[] = [];
    records.forEach((data, position) => {
      try {
        assertValidRecordData(data);
        valid.push({ position, _id: newObjectId(), data, bytes: recordBytes(data) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        items[position] = { error };
      }
    });
    if (valid.length === 0) return items;
    const wanted = { documents: valid.length, bytes: valid.reduce((total, { bytes }) => total + bytes, 0) };
    this.quotas.refuseKnownOverflow(caller.orgId, wanted);
    const org = await this.writes.writableOrganization(caller);
    return this.quotas.whileReserved(org, wanted, async (reservation) => {
      const refused = await this.writes.records(org).insertBatch(valid);
      const stored = valid.filter((_, index) => !refused.has(index));
      if (
        !(await this.writes.acknowledged(
          org,
          stored.map(({ _id }) => _id),
        ))
      ) {
        await this.writes.undoInserts(
          org,
          stored.map(({ _id }) => _id),
        );
        throw new OrganizationMigratingError();
      }
      await reservation.commit({ documents: stored.length, bytes: stored.reduce((total, { bytes }) => total + bytes, 0) });
      valid.forEach(({ position, _id }, index) => {
        items[position] = refused.has(index) ? { error: new DuplicateRecordError() } : { id: _id.toHexString() };
      });
      return items;
    });
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

  /**
   * A filtered, sorted page. During a rename the records are in the old collection, the new one or
   * both (same ids and contents): the page is the first `limit` of the union of both pages.
   */
  async list(caller: AuthenticatedMember, query: RecordListQuery): Promise<RecordPageDto> {
    const org = await this.organizations.findOwnOrganization(caller);
    const compiled = compileRecordQuery(org._id, { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    // One extra document tells whether another page exists.
    const fetch = { filter: compiled.filter, sort: compiled.sort, limit: compiled.limit + 1 };
    const placements = readablePlacements(org);
    const pages = await Promise.all(placements.map((placement) => this.storage.records(org._id, placement).find(fetch)));
    const documents = pages.length === 1 ? pages[0] : mergePages(pages, compiled.sort);
    const items = documents.slice(0, compiled.limit);
    return {
      items: items.map(toView),
      next_cursor: documents.length > compiled.limit ? compiled.cursorAfter(items[items.length - 1]) : null,
    };
  }

  async replace(caller: AuthenticatedMember, id: string, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const bytes = recordBytes(data);
    const org = await this.writes.writableOrganization(caller);
    const recordId = toObjectId(id);
    return this.quotas.whileReserved(org, { documents: 0, bytes }, async (reservation) => {
      const replaced = await this.writes.records(org).replaceData(recordId, data);
      if (replaced) await reservation.commit({ documents: 0, bytes: bytes - recordBytes(replaced.before.data) });
      if (!(await this.writes.acknowledged(org, [recordId]))) throw new OrganizationMigratingError();
      if (!replaced) throw new RecordNotFoundError();
      return toView(replaced.after);
    });
  }

  async delete(caller: AuthenticatedMember, id: string): Promise<void> {
    const org = await this.writes.writableOrganization(caller);
    const recordId = toObjectId(id);
    return this.quotas.whileReserved(org, { documents: 0, bytes: 0 }, async (reservation) => {
      const removed = await this.writes.records(org).remove(recordId);
      if (removed) await reservation.commit({ documents: -1, bytes: -recordBytes(removed.data) });
      if (!(await this.writes.acknowledged(org, [recordId]))) throw new OrganizationMigratingError();
      if (!removed) throw new RecordNotFoundError();
    });
  }

  private async findIn(orgId: ObjectId, placements: Placement[], id: string): Promise<StoredTenantRecord | null> {
    for (const placement of placements) {
      const found = await this.storage.records(orgId, placement).findById(id);
      if (found) return found;
    }
    return null;
  }
}

/** The union of pages read with the same sort from two placements, without the records both hold. */
function mergePages(pages: StoredTenantRecord[][], sort: Record<string, 1 | -1>): StoredTenantRecord[] {
  const byId = new Map<string, StoredTenantRecord>();
  for (const page of pages) for (const record of page) byId.set(record._id.toHexString(), record);
  const paths = Object.entries(sort);
  return [...byId.values()].sort((a, b) => {
    for (const [path, direction] of paths) {
      const order = compareValues(valueAt(a, path), valueAt(b, path));
      if (order !== 0) return order * direction;
    }
    return 0;
  });
}

function valueAt(record: StoredTenantRecord, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), record);
}

/** MongoDB's order of scalars: missing and null, numbers, strings, booleans; ids by their hex. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (value: unknown) =>
    value === undefined || value === null
      ? 0
      : typeof value === 'number'
        ? 1
        : typeof value === 'string'
          ? 2
          : typeof value === 'boolean'
            ? 4
            : 3;
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  const [va, vb] = [a as { toHexString?: () => string }, b as { toHexString?: () => string }];
  const [x, y] = va?.toHexString && vb?.toHexString ? [va.toHexString(), vb.toHexString()] : [a as number | string, b as number | string];
  return x < y ? -1 : x > y ? 1 : 0;
}

function toView(record: StoredTenantRecord): RecordViewDto {
  return { id: record._id.toHexString(), data: record.data, created_at: record.created_at, updated_at: record.updated_at };
}
