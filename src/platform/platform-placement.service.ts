import { Injectable } from '@nestjs/common';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { ExpiringCache } from '../common/cache/expiring-cache.js';
import { toObjectId } from '../common/database/object-id.js';
import { AppConfig } from '../config/app-config.js';
import { OrganizationsService, toView } from '../organizations/organizations.service.js';
import type { MoveRecord } from '../organizations/placement/move.schema.js';
import { OrganizationMoves } from '../organizations/placement/organization-moves.service.js';
import { TenantClusters } from '../tenants/clusters/tenant-clusters.service.js';
import { TenantStorage } from '../tenants/tenant-storage.service.js';
import type { OrganizationViewDto } from '../organizations/dto/organization.view.dto.js';
import type { ChangePlacementDto, ClusterReportDto, MoveViewDto } from './dto/placement.dto.js';

/** How long GET /platform/clusters waits for each cluster's ping. */
const PING_TIMEOUT_MS = 1000;
/** How long a clusters report is served before it is measured again. */
const REPORT_TTL_MS = 10_000;
/**
 * How long the organization counts may take before the report goes out without them. MongoDB
 * answers each from the `{placement.cluster, placement.mode}` index; FerretDB reads every
 * organization (about 4 s at 10,000 on this machine, see BENCHMARKS.md).
 */
const COUNT_TIMEOUT_MS = 2000;

/** Where organizations' data lives, for operators: moves between placements and the clusters' state. */
@Injectable()
export class PlatformPlacementService {
  private readonly reports = new ExpiringCache<ClusterReportDto[]>({ ttlMs: REPORT_TTL_MS, maxEntries: 1 });

  constructor(
    private readonly moves: OrganizationMoves,
    private readonly organizations: OrganizationsService,
    private readonly clusters: TenantClusters,
    private readonly storage: TenantStorage,
    private readonly config: AppConfig,
  ) {}

  /** The move started (202), or the organization when its data is there already (200). */
  async changePlacement(
    orgId: string,
    target: ChangePlacementDto,
    operator: AuthenticatedOperator,
  ): Promise<{ move: MoveViewDto } | { organization: OrganizationViewDto }> {
    const outcome = await this.moves.request(toObjectId(orgId), target, operator.actor);
    return 'started' in outcome ? { move: moveView(outcome.started) } : { organization: toView(outcome.alreadyThere) };
  }

  async move(moveId: string): Promise<MoveViewDto> {
    return moveView(await this.moves.get(toObjectId(moveId)));
  }

  /**
   * Each cluster's report. Counting organizations and listing a cluster's databases costs more the
   * more there are, so a report is kept for REPORT_TTL_MS and concurrent callers share one.
   */
  clusterReports(): Promise<ClusterReportDto[]> {
    return this.reports.getOrLoad('clusters', () => this.measureClusters());
  }

  private measureClusters(): Promise<ClusterReportDto[]> {
    return Promise.all(
      this.clusters.names().map(async (name) => {
        const [reachable, organizations] = await Promise.all([
          this.clusters.reachable(name, PING_TIMEOUT_MS),
          withinTime(this.organizations.countByMode(name), COUNT_TIMEOUT_MS),
        ]);
        const usage = reachable ? await this.storage.usage(name).catch(() => null) : null;
        return {
          name,
          reachable,
          organizations,
          collections: usage?.collections ?? null,
          indexes: usage?.indexes ?? null,
          budget: this.config.tenancy.collectionBudget,
        };
      }),
    );
  }
}

function moveView(move: MoveRecord): MoveViewDto {
  return {
    id: move._id.toHexString(),
    org_id: move.org_id.toHexString(),
    from: { ...move.from },
    to: { ...move.to },
    phase: move.phase,
    documents_copied: move.documents_copied,
    started_at: move.started_at,
    finished_at: move.finished_at ?? null,
    write_freeze_ms: move.write_freeze_ms ?? null,
    ...(move.error ? { error: move.error } : {}),
  };
}

/** The promise's value, or null if it takes longer than `ms` (it is left to finish on its own). */
async function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}
