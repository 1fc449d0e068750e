import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from '../common/access/access.errors.js';
import { type ObjectId, toObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { type Page, toPage } from '../common/paging/page.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import { TenantStorage } from '../tenants/tenant-storage.service.js';
import { CollectionStatsDto, DeletedOrganizationDto, OrganizationPageDto, OrganizationViewDto } from './dto/organization.view.dto.js';
import { OrganizationLifecycleService } from './lifecycle/organization-lifecycle.service.js';
import { organizationNameProblem, slugify, slugPrefix } from './organization-name.js';
import { OrganizationSuspensions } from './organization-suspensions.service.js';
import { OrganizationQuotas } from './quotas/organization-quotas.service.js';
import {
  InvalidOrganizationInputError,
  NotYourOrganizationError,
  OrganizationBusyError,
  OrganizationNotFoundError,
} from './organization.errors.js';
import { type OrganizationRecord, OrganizationStatus } from './persistence/organization.schema.js';
import { OrganizationsRepository, VISIBLE_STATUSES } from './persistence/organizations.repository.js';

export type { OrganizationRecord } from './persistence/organization.schema.js';
export { isSuspended } from './persistence/organization.schema.js';

/** Organizations as the other modules and the public routes see them: lookups, listing, delete. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly lifecycle: OrganizationLifecycleService,
    private readonly tenants: TenantStorage,
    private readonly uniqueValues: UniqueValueLookup,
    private readonly suspensions: OrganizationSuspensions,
    private readonly quotas: OrganizationQuotas,
  ) {}

  async getByName(name: string): Promise<OrganizationViewDto> {
    return toView(await this.findVisibleByName(name));
  }

  async list(query: PageQuery): Promise<OrganizationPageDto> {
    const page = await this.page(query);
    return { items: page.items.map(toView), next_cursor: page.next_cursor };
  }

  /** Visible organizations in creation order, a page at a time; with `slugPrefix`, those whose slug starts with it. */
  async page(query: PageQuery, slugPrefix?: string): Promise<Page<OrganizationRecord>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra document tells whether another page exists.
    const documents = await this.organizations.pageVisible(query.cursor ? toObjectId(query.cursor) : undefined, limit + 1, slugPrefix);
    return toPage(documents, limit, (org) => org);
  }

  /**
   * 403 for any name but the caller's own organization's, whether or not one by that name exists:
   * decided from the caller's slug as remembered (the guard's suspension check has just loaded it)
   * without a read, so a rename made on another instance within the staleness bound can still be
   * refused (BENCHMARKS.md, cross-organization refusal).
   */
  async delete(caller: { orgId: string }, name: string): Promise<DeletedOrganizationDto> {
    const slug = checkedSlug(name);
    const remembered = await this.suspensions.slugOf(caller.orgId);
    if (remembered !== null && remembered !== slug) throw new NotYourOrganizationError();
    const org = await this.findOwnOrganization(caller);
    if (org.slug !== slug) throw new NotYourOrganizationError();
    return this.deleteVisible(org);
  }

  /** An operator's delete, by id: 404 unless the organization is visible, 409 while another operation holds it. */
  async deleteById(orgId: string): Promise<DeletedOrganizationDto> {
    const org = await this.findVisibleById(orgId);
    if (!org) throw new OrganizationNotFoundError();
    return this.deleteVisible(org);
  }

  private async deleteVisible(org: OrganizationRecord): Promise<DeletedOrganizationDto> {
    // Another operation, or a move of its data, holds the organization.
    if (org.status !== OrganizationStatus.Active || org.move) throw new OrganizationBusyError();
    const documents = await this.lifecycle.delete(org);
    return { message: 'Organization deleted', organization_name: org.name, documents_deleted: documents };
  }

  async collectionStats(caller: { orgId: string }): Promise<CollectionStatsDto> {
    const org = await this.findOwnOrganization(caller);
    return { ...(await this.tenants.stats(org._id, org.placement)), quota: this.quotas.quotaOf(org) };
  }

  /** The organization's records as its quota ledger counts them (every write keeps it; no scan). */
  async recordCount(org: Pick<OrganizationRecord, '_id' | 'placement'>): Promise<number> {
    return (await this.quotas.usageOf(org)).documents;
  }

  /** Forgets what this instance remembers of the organization (its slug among it): it was renamed here. */
  forgetRemembered(orgId: ObjectId | string): void {
    this.suspensions.forget(orgId);
  }

  /** The caller's organization; a token whose organization is gone or going is no longer valid. */
  async findOwnOrganization(caller: { orgId: string }): Promise<OrganizationRecord> {
    const org = await this.findVisibleById(caller.orgId);
    if (!org) throw new InvalidTokenError();
    return org;
  }

  /** The organization, unless it is gone or mid-create or mid-delete. The read also refreshes its remembered suspension. */
  async findVisibleById(orgId: ObjectId | string): Promise<OrganizationRecord | null> {
    const org = await this.suspensions.reading(orgId, () => this.organizations.findById(orgId));
    return org && VISIBLE_STATUSES.includes(org.status) ? org : null;
  }

  /** The visible organizations among these, by id (hex). */
  async findVisibleByIds(orgIds: ObjectId[]): Promise<Map<string, OrganizationRecord>> {
    if (orgIds.length === 0) return new Map();
    const orgs = await this.organizations.findVisibleByIds(orgIds);
    return new Map(orgs.map((org) => [org._id.toHexString(), org]));
  }

  /** What a records writer checks after writing: the lifecycle epoch and the move under way (null once the organization is gone). */
  writeState(orgId: ObjectId): Promise<Pick<OrganizationRecord, 'lifecycle_epoch' | 'move'> | null> {
    return this.organizations.writeState(orgId);
  }

  /** Organizations in each placement mode on the cluster. */
  async countByMode(cluster: string): Promise<{ shared: number; collection: number; database: number }> {
    const [shared, collection, database] = await Promise.all(
      (['shared', 'collection', 'database'] as const).map((mode) => this.organizations.countInPlacement(cluster, mode)),
    );
    return { shared, collection, database };
  }

  /** The visible organization with this name's slug; 400 for a name no organization could have, 404 for none. */
  async findVisibleByName(name: string): Promise<OrganizationRecord> {
    const slug = checkedSlug(name);
    // Through the slug's claim (or its last seen owner) and then by `_id`: primary-key reads on every
    // server. The claim of a rename in progress names an organization that does not have the slug yet.
    const org = await this.uniqueValues.findHolder(
      'org',
      slug,
      (orgId) => this.organizations.findById(orgId),
      (candidate) => candidate.slug === slug && VISIBLE_STATUSES.includes(candidate.status),
    );
    if (!org) throw new OrganizationNotFoundError();
    return org;
  }
}

/** The slug start of an acceptable `name_prefix` (see slugPrefix); 400 naming the problem otherwise. */
export function checkedSlugPrefix(namePrefix: string): string {
  const problem = organizationNameProblem(namePrefix, 'name_prefix');
  if (problem) throw new InvalidOrganizationInputError(problem);
  return slugPrefix(namePrefix);
}

/** The slug of an acceptable name; 400 naming the problem otherwise. */
export function checkedSlug(name: string): string {
  const problem = organizationNameProblem(name);
  if (problem) throw new InvalidOrganizationInputError(problem);
  return slugify(name);
}

export function toView(org: OrganizationRecord): OrganizationViewDto {
  return {
    id: org._id.toHexString(),
    organization_name: org.name,
    slug: org.slug,
    collection_name: org.collection_name,
    status: org.status,
    placement: { ...org.placement },
    created_at: org.created_at,
    updated_at: org.updated_at,
  };
}
