import { Injectable } from '@nestjs/common';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import type { ObjectId } from '../../common/database/object-id.js';
import type { RequestOrigin } from '../../common/http/request-origin.js';
import { MembersService } from '../../memberships/members.service.js';
import { OrganizationsService, toView } from '../../organizations/organizations.service.js';
import type { OrganizationRecord } from '../../organizations/persistence/organization.schema.js';
import { readablePlacements } from '../../organizations/tenant-location.js';
import type { StoredTenantRecord } from '../../tenants/persistence/tenant-record.schema.js';
import { TenantStorage } from '../../tenants/tenant-storage.service.js';
import { OrganizationGoneError } from '../records.errors.js';

/** Records read per round trip; the export holds at most one such page. */
const EXPORT_PAGE = 500;
const MEMBERS_PAGE = 100;

/**
 * GET /org/export: the organization, its members and its records as NDJSON lines, produced as the
 * client reads them (the generator runs only when the response stream asks for more), so memory
 * does not grow with the organization's size.
 */
@Injectable()
export class RecordExport {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly members: MembersService,
    private readonly storage: TenantStorage,
    private readonly audit: AuditLogService,
  ) {}

  /** Checks the caller's organization and records who exports it before the answer starts, then yields its lines. */
  async open(caller: AuthenticatedMember, origin: RequestOrigin): Promise<AsyncGenerator<string>> {
    const org = await this.organizations.findOwnOrganization(caller);
    await this.audit.record({ orgId: org._id, action: AuditAction.RecordsExported, actor: caller.actor, target: null, origin });
    return this.lines(caller, org);
  }

  private async *lines(caller: AuthenticatedMember, org: OrganizationRecord): AsyncGenerator<string> {
    yield line({ type: 'organization', ...toView(org) });
    let cursor: string | undefined;
    do {
      const page = await this.members.list(caller, { limit: MEMBERS_PAGE, cursor });
      for (const member of page.items) yield line({ type: 'member', ...member });
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    for await (const record of this.records(org)) {
      yield line({
        type: 'record',
        id: record._id.toHexString(),
        data: record.data,
        created_at: record.created_at,
        updated_at: record.updated_at,
      });
    }
  }

  /**
   * Every record once, in `_id` order, a page at a time from wherever the organization's records
   * are when that page is read. A page read while a rename or a move switched the placement (the
   * lifecycle epoch changed meanwhile) is read again from the new one, which holds the same
   * records with the same ids: so a move or rename during the export neither loses nor repeats one.
   */
  private async *records(start: OrganizationRecord): AsyncGenerator<StoredTenantRecord> {
    let org = start;
    let after: ObjectId | undefined;
    for (;;) {
      let page: StoredTenantRecord[];
      for (;;) {
        page = await this.pageAt(org, after);
        const now = await this.organizations.findVisibleById(org._id);
        if (!now) throw new OrganizationGoneError();
        const stable = now.lifecycle_epoch === org.lifecycle_epoch;
        org = now;
        if (stable) break;
      }
      yield* page;
      if (page.length < EXPORT_PAGE) return;
      after = page[page.length - 1]._id;
    }
  }

  /** During a rename the records are in the old collection, the new one or both: the first page of their union. */
  private async pageAt(org: OrganizationRecord, after: ObjectId | undefined): Promise<StoredTenantRecord[]> {
    const pages = await Promise.all(
      readablePlacements(org).map((placement) => this.storage.records(org._id, placement).page(after, EXPORT_PAGE)),
    );
    if (pages.length === 1) return pages[0];
    const byId = new Map(pages.flat().map((record) => [record._id.toHexString(), record]));
    return [...byId.values()].sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString())).slice(0, EXPORT_PAGE);
  }
}

function line(value: object): string {
  return `${JSON.stringify(value)}\n`;
}
