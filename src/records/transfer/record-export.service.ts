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

/** Records per batch from the database; the export holds at most about one batch. */
const BATCH = 500;
/** Records between two reads of the organization, to notice a move or rename that switched its placement. */
const EPOCH_CHECK = 1000;
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
   * Every record once, in `_id` order, from one cursor on where the organization's records are.
   * Every EPOCH_CHECK records, and when the cursor ends or fails, the organization is read again:
   * if a move or rename switched its placement meanwhile (its lifecycle epoch changed), the export
   * goes on after the last record it sent, from the new placement, which holds the same records
   * under the same ids. So a move or rename during the export neither loses nor repeats a record.
   */
  private async *records(start: OrganizationRecord): AsyncGenerator<StoredTenantRecord> {
    let org = start;
    let after: ObjectId | undefined;
    for (;;) {
      const epoch = org.lifecycle_epoch;
      let sinceCheck = 0;
      let moved: OrganizationRecord | null = null;
      try {
        for await (const record of this.inIdOrder(org, after)) {
          yield record;
          after = record._id;
          sinceCheck += 1;
          if (sinceCheck < EPOCH_CHECK) continue;
          sinceCheck = 0;
          const now = await this.visible(org);
          if (now.lifecycle_epoch !== epoch) {
            moved = now;
            break;
          }
        }
      } catch (error) {
        // A cursor on a placement that a move or rename has just removed.
        const now = await this.visible(org);
        if (now.lifecycle_epoch === epoch) throw error;
        moved = now;
      }
      moved ??= await this.visible(org);
      if (moved.lifecycle_epoch === epoch) return;
      org = moved;
    }
  }

  /** During a rename the records are in the old collection, the new one or both (same ids and contents): their union. */
  private inIdOrder(org: OrganizationRecord, after: ObjectId | undefined): AsyncGenerator<StoredTenantRecord> {
    const sources = readablePlacements(org).map((placement) => this.storage.records(org._id, placement).inIdOrder(after, BATCH));
    return sources.length === 1 ? sources[0] : mergeById(sources);
  }

  private async visible(org: OrganizationRecord): Promise<OrganizationRecord> {
    const now = await this.organizations.findVisibleById(org._id);
    if (!now) throw new OrganizationGoneError();
    return now;
  }
}

/** Merges cursors that are each in `_id` order into one, each id once. */
async function* mergeById(sources: AsyncGenerator<StoredTenantRecord>[]): AsyncGenerator<StoredTenantRecord> {
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let least = -1;
    heads.forEach((head, index) => {
      if (!head.done && (least === -1 || head.value._id.toHexString() < (heads[least].value as StoredTenantRecord)._id.toHexString()))
        least = index;
    });
    if (least === -1) return;
    const record = heads[least].value as StoredTenantRecord;
    yield record;
    for (const [index, head] of heads.entries()) {
      if (!head.done && head.value._id.equals(record._id)) heads[index] = await sources[index].next();
    }
  }
}

function line(value: object): string {
  return `${JSON.stringify(value)}\n`;
}
