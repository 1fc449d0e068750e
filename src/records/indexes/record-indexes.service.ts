import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { domainError, ErrorCode } from '../../common/errors/domain.error.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { AppConfig } from '../../config/app-config.js';
import { OrganizationsService } from '../../organizations/organizations.service.js';
import type { OrganizationRecord } from '../../organizations/persistence/organization.schema.js';
import type { StoredIndex } from '../../tenants/persistence/tenant-records.repository.js';
import { TenantStorage } from '../../tenants/tenant-storage.service.js';
import type { CreateRecordIndexDto, RecordIndexDto } from './record-index.dto.js';

export class IndexLimitError extends domainError(ErrorCode.IndexLimit, 'The organization has as many indexes as it may have') {}
export class IndexExistsError extends domainError(ErrorCode.IndexExists, 'An index on these paths exists already') {}
export class IndexNotFoundError extends domainError(ErrorCode.IndexNotFound, 'Index not found') {}
export class IndexNeedsPlacementError extends domainError(
  ErrorCode.IndexNeedsPlacement,
  'The organization is in shared mode: an index needs collection or database placement',
) {}

/** Data paths prefixed in stored index keys. */
const DATA = 'data.';

/**
 * The organization's own secondary indexes on its records' data (admin). A non-unique index also
 * keys `_id` after the given paths, so that a page sorted on its first path (ties broken by `_id`)
 * is read in index order without sorting. In `shared` mode the collection is every tenant's, so
 * no organization may change its indexes.
 */
@Injectable()
export class RecordIndexesService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly storage: TenantStorage,
    private readonly audit: AuditLogService,
    private readonly config: AppConfig,
  ) {}

  async list(caller: AuthenticatedMember): Promise<RecordIndexDto[]> {
    const org = await this.organizations.findOwnOrganization(caller);
    if (org.placement.mode === 'shared') return [];
    // By name: MongoDB lists indexes in creation order, FerretDB by name.
    return (await this.records(org).listIndexes()).map(toView).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async create(caller: AuthenticatedMember, request: CreateRecordIndexDto, origin: RequestOrigin): Promise<RecordIndexDto> {
    const org = await this.ownIndexable(caller);
    const unique = request.unique ?? false;
    const keys = Object.entries(request.keys);
    const name = keys.map(([path, direction]) => `${path}_${direction}`).join('_') + (unique ? '_unique' : '');
    const stored = await this.records(org).listIndexes();
    const sameKeys = (index: StoredIndex) => JSON.stringify(toView(index).keys) === JSON.stringify(request.keys);
    if (stored.some((index) => index.name === name || sameKeys(index))) throw new IndexExistsError();
    if (stored.length >= this.config.tenantData.maxIndexes) throw new IndexLimitError();
    const key: Record<string, 1 | -1> = Object.fromEntries(keys.map(([path, direction]) => [DATA + path, direction]));
    if (!unique) key._id = keys[0][1];
    await this.records(org).createIndex(name, key, unique);
    const created = { name, keys: request.keys, unique };
    // Paths as a list: a key with a dot cannot be stored in a document.
    const paths = Object.entries(created.keys).map(([path, direction]) => ({ path, direction }));
    await this.recordChange(caller, org, AuditAction.RecordIndexCreated, name, origin, { paths, unique });
    return created;
  }

  async drop(caller: AuthenticatedMember, name: string, origin: RequestOrigin): Promise<void> {
    const org = await this.ownIndexable(caller);
    const own = (await this.records(org).listIndexes()).some((index) => index.name === name);
    if (!own || !(await this.records(org).dropIndex(name))) throw new IndexNotFoundError();
    await this.recordChange(caller, org, AuditAction.RecordIndexDropped, name, origin);
  }

  private recordChange(
    caller: AuthenticatedMember,
    org: OrganizationRecord,
    action: AuditAction,
    name: string,
    origin: RequestOrigin,
    details?: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.record({
      orgId: org._id,
      action,
      actor: caller.actor,
      target: { type: 'record_index', id: name, name },
      origin,
      details,
    });
  }

  private async ownIndexable(caller: AuthenticatedMember): Promise<OrganizationRecord> {
    const org = await this.organizations.findOwnOrganization(caller);
    if (org.placement.mode === 'shared') throw new IndexNeedsPlacementError();
    return org;
  }

  private records(org: OrganizationRecord) {
    return this.storage.records(org._id, org.placement);
  }
}

function toView(index: StoredIndex): RecordIndexDto {
  const keys = Object.fromEntries(
    Object.entries(index.key)
      .filter(([path]) => path.startsWith(DATA))
      .map(([path, direction]) => [path.slice(DATA.length), direction]),
  );
  return { name: index.name, keys, unique: index.unique ?? false };
}
