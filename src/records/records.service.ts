import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { newObjectId, toObjectId, type ObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { type OrganizationRecord, OrganizationStatus } from '../organizations/persistence/organization.schema.js';
import { tenantLocation } from '../organizations/tenant-location.js';
import type { StoredTenantRecord } from '../tenants/persistence/tenant-record.schema.js';
import { readableCollections, TenantRecordsRepository } from '../tenants/persistence/tenant-records.repository.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { assertValidRecordData } from './record-data.js';
import { OrganizationMigratingError, RecordNotFoundError } from './records.errors.js';

/** Organizations whose record collections are remembered. */
const RECENT_COLLECTION_ENTRIES = 10_000;

/**
 * The token's organization's own documents.
 *
 * A write reads the organization's lifecycle epoch before and after writing. An unchanged epoch
 * proves the write landed before any rename began, so the rename carries it; a changed one means
 * the write may have raced a rename, so it is answered 409 with Retry-After (an insert is also
 * undone). This holds for replace and delete too: a rename that copies documents may already have
 * read the old version, so a change that lands after the rename began is not reported as done.
 * Replace and delete are idempotent, so retrying them after such a 409 is safe.
 */
@Injectable()
export class RecordsService {
  /**
   * Where each organization's records were a moment ago, so that reading a record by id costs one
   * database round trip instead of two. A record found through it counts only if it names the
   * caller's organization as its owner; anything else falls back to the organization as stored now.
   */
  private readonly recentCollections = new ExpiringCache<string[]>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: RECENT_COLLECTION_ENTRIES,
  });

  constructor(
    private readonly organizations: OrganizationsService,
    private readonly records: TenantRecordsRepository,
  ) {}

  async create(caller: AuthenticatedMember, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const _id = newObjectId();
    const created = await this.records.insert(org.collection_name, { _id, org_id: org._id, data });
    if (!(await this.epochUnchanged(org))) {
      await this.undoInsert(caller, org, _id);
      throw new OrganizationMigratingError();
    }
    return toView(created);
  }

  /**
   * First through the collections remembered for the organization: another instance may have
   * renamed the organization since, and a new organization may already own its old collection
   * name, which the owner check answers. On a miss, through the organization as stored now.
   */
  async get(caller: AuthenticatedMember, id: string): Promise<RecordViewDto> {
    const recent = this.recentCollections.peek(caller.orgId);
    const fast = recent ? await this.records.findOwned(recent, id, caller.orgId) : null;
    if (fast) return toView(fast);
    const org = await this.organizations.findOwnOrganization(caller);
    const collections = readableCollections(tenantLocation(org));
    this.recentCollections.set(caller.orgId, collections);
    const found = await this.records.findOwned(collections, id, org._id);
    if (!found) throw new RecordNotFoundError();
    return toView(found);
  }

  async list(caller: AuthenticatedMember, query: PageQuery): Promise<RecordPageDto> {
    const org = await this.organizations.findOwnOrganization(caller);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? toObjectId(query.cursor) : undefined;
    // One extra document tells whether another page exists.
    const documents = await this.records.page(readableCollections(tenantLocation(org)), after, limit + 1);
    return toPage(documents, limit, toView);
  }

  async replace(caller: AuthenticatedMember, id: string, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const updated = await this.records.replaceData(org.collection_name, id, data);
    if (!(await this.epochUnchanged(org))) throw new OrganizationMigratingError();
    if (!updated) throw new RecordNotFoundError();
    return toView(updated);
  }

  async delete(caller: AuthenticatedMember, id: string): Promise<void> {
    const org = await this.writableOrganization(caller);
    const deleted = await this.records.delete(org.collection_name, id);
    if (!(await this.epochUnchanged(org))) throw new OrganizationMigratingError();
    if (!deleted) throw new RecordNotFoundError();
  }

  private async writableOrganization(caller: AuthenticatedMember): Promise<OrganizationRecord> {
    const org = await this.organizations.findOwnOrganization(caller);
    if (org.status !== OrganizationStatus.Active) throw new OrganizationMigratingError();
    return org;
  }

  private async epochUnchanged(org: OrganizationRecord): Promise<boolean> {
    return (await this.organizations.lifecycleEpoch(org._id)) === org.lifecycle_epoch;
  }

  /** The insert may sit in the old collection, the new one, or an old name recreated by the insert itself. */
  private async undoInsert(caller: AuthenticatedMember, before: OrganizationRecord, id: ObjectId): Promise<void> {
    const now = await this.organizations.findOwnOrganization(caller).catch(() => before);
    await this.records.deleteFromEach([...new Set([before.collection_name, ...readableCollections(tenantLocation(now))])], id);
  }
}

function toView(record: StoredTenantRecord): RecordViewDto {
  return { id: record._id.toHexString(), data: record.data, created_at: record.created_at, updated_at: record.updated_at };
}
