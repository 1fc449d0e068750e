import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { type AuditActor, auditTarget } from '../audit/persistence/audit-event.schema.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import type { ObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { OrganizationNotFoundError } from './organization.errors.js';
import { isSuspended, type OrganizationRecord, type QuotaOverride } from './persistence/organization.schema.js';
import { OrganizationsRepository, VISIBLE_STATUSES } from './persistence/organizations.repository.js';

/** Enough for every organization active within the staleness bound on a busy instance. */
const SUSPENSION_CACHE_ENTRIES = 10_000;

/** What each instance remembers of an organization for the staleness bound: its suspension, its slug (null unless visible) and its quota override. */
export interface OrganizationGlance {
  suspended: boolean;
  slug: string | null;
  quota: QuotaOverride | null;
}

/**
 * Operators' suspension of organizations, and the check every organization route makes. That
 * check costs no database read per request: each instance remembers an organization's state for
 * the staleness bound, like roles, and forgets it at once when it suspends or resumes the
 * organization itself; other instances follow within the bound. A request that reads the
 * organization's document anyway refreshes what is remembered from it (see `reading`). The same
 * read remembers the organization's slug, so that a request naming another organization is
 * refused without a read of its own (`slugOf`), and a full organization's write too (`rememberedQuota`).
 */
@Injectable()
export class OrganizationSuspensions {
  private readonly glances = new ExpiringCache<OrganizationGlance>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: SUSPENSION_CACHE_ENTRIES,
  });

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly audit: AuditLogService,
  ) {}

  /** Whether the organization is suspended now (within the staleness bound); false once it is gone. */
  async isSuspended(orgId: string): Promise<boolean> {
    return (await this.glance(orgId)).suspended;
  }

  /** The organization's slug (within the staleness bound); null once it is gone, or while it is created or deleted. */
  async slugOf(orgId: string): Promise<string | null> {
    return (await this.glance(orgId)).slug;
  }

  /** The organization's quota override as remembered, if anything is (never reads): null for none, undefined when not remembered. */
  rememberedQuota(orgId: string): QuotaOverride | null | undefined {
    return this.glances.peek(keyOf(orgId))?.quota;
  }

  /** Forgets what this instance remembers of the organization: it was suspended, resumed, renamed or given another quota here. */
  forget(orgId: ObjectId | string): void {
    this.glances.invalidate(keyOf(orgId));
  }

  /** Runs `read`, a read of the organization's document, and remembers its suspension, slug and quota from what it found. */
  reading<T extends OrganizationRecord | null>(orgId: ObjectId | string, read: () => Promise<T>): Promise<T> {
    return this.glances.refresh(keyOf(orgId), read, (org) => (org ? glanceAt(org) : null));
  }

  /** Suspends the visible organization; already suspended, it is answered as it is. 404 when it is not visible. */
  suspend(orgId: ObjectId, request: { by: AuditActor; origin: RequestOrigin }): Promise<OrganizationRecord> {
    return this.change(orgId, true, request);
  }

  /** Lifts the suspension; an organization that is not suspended is answered as it is. 404 when it is not visible. */
  resume(orgId: ObjectId, request: { by: AuditActor; origin: RequestOrigin }): Promise<OrganizationRecord> {
    return this.change(orgId, false, request);
  }

  /**
   * Writes the state unless it holds already, forgets what this instance remembered, and records
   * the change once: concurrent requests that read the same version of the organization (which
   * FerretDB may let all write) share one audit key, so their change is recorded once.
   */
  private async change(orgId: ObjectId, suspend: boolean, request: { by: AuditActor; origin: RequestOrigin }): Promise<OrganizationRecord> {
    const before = await this.findVisible(orgId);
    if (isSuspended(before) === suspend) return before;
    const written = await this.organizations.setSuspendedAt(orgId, suspend ? new Date() : null);
    this.forget(orgId);
    // Null: another request changed it first (or the organization went): answer with what is stored now.
    if (!written) return this.findVisible(orgId);
    const action = suspend ? AuditAction.OrganizationSuspended : AuditAction.OrganizationResumed;
    await this.audit.record({
      orgId,
      action,
      actor: request.by,
      target: auditTarget('organization', written),
      origin: request.origin,
      details: {},
      onceKey: `${action}:${orgId.toHexString()}:${before.updated_at.getTime()}`,
    });
    return written;
  }

  private glance(orgId: string): Promise<OrganizationGlance> {
    const key = keyOf(orgId);
    return this.glances.getOrLoad(key, async () => {
      const org = await this.organizations.findGlance(key);
      return org ? glanceAt(org) : GONE;
    });
  }

  private async findVisible(orgId: ObjectId): Promise<OrganizationRecord> {
    const org = await this.organizations.findById(orgId);
    if (!org || !VISIBLE_STATUSES.includes(org.status)) throw new OrganizationNotFoundError();
    return org;
  }
}

const GONE: OrganizationGlance = Object.freeze({ suspended: false, slug: null, quota: null });

function glanceAt(org: Pick<OrganizationRecord, 'suspended_at' | 'slug' | 'status' | 'quota'>): OrganizationGlance {
  return { suspended: isSuspended(org), slug: VISIBLE_STATUSES.includes(org.status) ? org.slug : null, quota: org.quota ?? null };
}

/** One key per organization, whichever case its id was sent in. */
function keyOf(orgId: ObjectId | string): string {
  return typeof orgId === 'string' ? orgId.toLowerCase() : orgId.toHexString();
}
