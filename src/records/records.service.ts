import { Injectable } from '@nestjs/common';
import { trusted, Types } from 'mongoose';
import { AuthenticatedAdmin } from '../auth/authenticated-admin.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../organizations/dto/page.query.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { OrganizationRecord, OrganizationStatus } from '../organizations/schemas/organization.schema.js';
import { TenantRecord } from '../tenants/schemas/tenant-record.schema.js';
import { TenantModelRegistry } from '../tenants/tenant-model.registry.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { assertValidRecordData } from './record-data.js';
import { OrganizationMigratingError, RecordNotFoundError } from './records.errors.js';

type TenantRecordLean = TenantRecord & { _id: Types.ObjectId };

/** Organizations whose record collections are remembered; ~200 bytes each. */
const RECENT_COLLECTION_ENTRIES = 10_000;

/**
 * The token's organization's own documents, through the TenantModule's per-collection models.
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
    private readonly models: TenantModelRegistry,
  ) {}

  async create(caller: AuthenticatedAdmin, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const _id = new Types.ObjectId();
    const created = await this.models.modelFor(org.collection_name).create({ _id, org_id: org._id, data });
    if (!(await this.epochUnchanged(org))) {
      await this.undoInsert(caller, org, _id);
      throw new OrganizationMigratingError();
    }
    return toView(created.toObject<TenantRecordLean>());
  }

  /**
   * First through the collections remembered for the organization, accepting only a record that
   * names the caller's organization as its owner: another instance may have renamed the
   * organization since, and a new organization may already own its old collection name. On a miss,
   * through the organization as stored now.
   */
  async get(caller: AuthenticatedAdmin, id: string): Promise<RecordViewDto> {
    const recent = this.recentCollections.peek(caller.orgId);
    const fast = recent ? await this.findRecord(recent, id, (record) => record.org_id?.toHexString() === caller.orgId) : null;
    if (fast) return toView(fast);
    const org = await this.organizations.findOwnOrganization(caller);
    const collections = readableCollections(org);
    this.recentCollections.set(caller.orgId, collections);
    // The organization's current collections are its own; records older than `org_id` have none.
    const found = await this.findRecord(collections, id, (record) => !record.org_id || record.org_id.equals(org._id));
    if (!found) throw new RecordNotFoundError();
    return toView(found);
  }

  private async findRecord(
    collections: string[],
    id: string,
    isOwn: (record: TenantRecordLean) => boolean,
  ): Promise<TenantRecordLean | null> {
    for (const collection of collections) {
      const found = await this.models.modelFor(collection).findById(id).lean<TenantRecordLean>();
      if (found) return isOwn(found) ? found : null;
    }
    return null;
  }

  async list(caller: AuthenticatedAdmin, query: PageQuery): Promise<RecordPageDto> {
    const org = await this.organizations.findOwnOrganization(caller);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const filter = query.cursor ? { _id: trusted({ $gt: new Types.ObjectId(query.cursor) }) } : {};
    let page: TenantRecordLean[] = [];
    for (const collection of readableCollections(org)) {
      page = await this.models.modelFor(collection).find(filter).sort({ _id: 1 }).limit(limit + 1).lean<TenantRecordLean[]>();
      if (page.length > 0) break;
    }
    const items = page.slice(0, limit);
    return { items: items.map(toView), next_cursor: page.length > limit ? items[items.length - 1]._id.toHexString() : null };
  }

  async replace(caller: AuthenticatedAdmin, id: string, data: unknown): Promise<RecordViewDto> {
    assertValidRecordData(data);
    const org = await this.writableOrganization(caller);
    const updated = await this.models
      .modelFor(org.collection_name)
      .findOneAndUpdate({ _id: id }, { $set: { data } }, { returnDocument: 'after' })
      .lean<TenantRecordLean>();
    if (!(await this.epochUnchanged(org))) throw new OrganizationMigratingError();
    if (!updated) throw new RecordNotFoundError();
    return toView(updated);
  }

  async delete(caller: AuthenticatedAdmin, id: string): Promise<void> {
    const org = await this.writableOrganization(caller);
    const { deletedCount } = await this.models.modelFor(org.collection_name).deleteOne({ _id: id });
    if (!(await this.epochUnchanged(org))) throw new OrganizationMigratingError();
    if (deletedCount !== 1) throw new RecordNotFoundError();
  }

  private async writableOrganization(caller: AuthenticatedAdmin): Promise<OrganizationRecord> {
    const org = await this.organizations.findOwnOrganization(caller);
    if (org.status !== OrganizationStatus.Active) throw new OrganizationMigratingError();
    return org;
  }

  private async epochUnchanged(org: OrganizationRecord): Promise<boolean> {
    return (await this.organizations.lifecycleEpoch(org._id)) === org.lifecycle_epoch;
  }

  /**
   * The insert may sit in the old collection, the new one, or an old name recreated by the insert
   * itself. A move only ever carries documents from the old collection to the new one, so deleting
   * in that same order, one after the other, cannot miss a document that moves in between.
   */
  private async undoInsert(caller: AuthenticatedAdmin, before: OrganizationRecord, id: Types.ObjectId): Promise<void> {
    const now = await this.organizations.findOwnOrganization(caller).catch(() => before);
    for (const collection of new Set([before.collection_name, ...readableCollections(now)])) {
      await this.models.modelFor(collection).deleteOne({ _id: id });
    }
  }
}

/** Where an organization's documents can be: during a rename, the old collection and then the new. */
function readableCollections(org: OrganizationRecord): string[] {
  const target = org.status === OrganizationStatus.Migrating ? org.operation?.to_collection : undefined;
  return target ? [org.collection_name, target] : [org.collection_name];
}

function toView(record: TenantRecordLean): RecordViewDto {
  return { id: record._id.toHexString(), data: record.data, created_at: record.created_at, updated_at: record.updated_at };
}
