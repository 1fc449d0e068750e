import { Injectable } from '@nestjs/common';
import type { ObjectId } from '../../common/database/object-id.js';
import { AppConfig } from '../../config/app-config.js';
import { type Placement, placementOf } from '../../tenants/placement.js';
import { type ClusterUsage, TenantStorage } from '../../tenants/tenant-storage.service.js';

/**
 * How long a cluster's measured collections and indexes are trusted; this instance's own creates
 * are added meanwhile. Measuring lists every tenant database (dbStats each), too much per create.
 */
const USAGE_TTL_MS = 30_000;
/** What a new `collection`-mode organization adds: its collection and its `_id` index. */
const COLLECTION_COST = 2;

export interface PlacementChoice {
  placement: Placement;
  /** Set when the default `collection` mode was refused because the cluster is at its budget. */
  overflow?: { cluster: string; used: number; budget: number };
}

/** Where a new organization's data goes: DEFAULT_PLACEMENT on DEFAULT_CLUSTER, within the collection budget. */
@Injectable()
export class PlacementPolicy {
  private readonly usage = new Map<string, { value: ClusterUsage; measuredAt: number; refreshing?: Promise<void> }>();

  constructor(
    private readonly storage: TenantStorage,
    private readonly config: AppConfig,
  ) {}

  async forNewOrganization(org: { id: ObjectId; slug: string }): Promise<PlacementChoice> {
    const { defaultPlacement, defaultCluster, collectionBudget } = this.config.tenancy;
    const where = { id: org.id.toHexString(), slug: org.slug };
    const tenantDb = this.config.mongo.tenantDbName;
    if (defaultPlacement !== 'collection') return { placement: placementOf(defaultPlacement, defaultCluster, where, tenantDb) };
    const usage = await this.measured(defaultCluster);
    const used = usage.collections + usage.indexes;
    if (used + COLLECTION_COST > collectionBudget) {
      return {
        placement: placementOf('shared', defaultCluster, where, tenantDb),
        overflow: { cluster: defaultCluster, used, budget: collectionBudget },
      };
    }
    usage.collections += 1;
    usage.indexes += 1;
    return { placement: placementOf('collection', defaultCluster, where, tenantDb) };
  }

  /**
   * The cluster's last measured usage. Only the first create after start waits for a measurement;
   * later ones use the last one while a fresh one is taken in the background, since measuring
   * lists every tenant database (on FerretDB, dbStats over 50,000 collections outlasted the socket
   * timeout and failed the create it ran in).
   */
  private async measured(cluster: string): Promise<ClusterUsage> {
    const known = this.usage.get(cluster);
    if (!known) {
      const value = await this.storage.usage(cluster);
      this.usage.set(cluster, { value, measuredAt: Date.now() });
      return value;
    }
    if (Date.now() - known.measuredAt >= USAGE_TTL_MS && !known.refreshing) {
      known.refreshing = this.storage.usage(cluster).then(
        (value) => {
          this.usage.set(cluster, { value, measuredAt: Date.now() });
        },
        () => {
          // Kept as it was; the next create after the TTL tries again.
          known.measuredAt = Date.now();
          known.refreshing = undefined;
        },
      );
    }
    return known.value;
  }
}
