import type { PlacementModeName } from '../config/environment.js';
import { tenantCollectionName } from './tenant-collection-name.js';

export type PlacementMode = PlacementModeName;

/** Where an organization's documents live (SPEC "Tenant placement"). */
export interface Placement {
  mode: PlacementMode;
  cluster: string;
  database: string;
  collection: string;
}

/** The one collection of every `shared`-mode organization of a cluster. */
export const SHARED_COLLECTION = 'shared_records';
/** The collection of a `database`-mode organization, in its own database. */
export const OWN_DATABASE_COLLECTION = 'records';

/** The only place that knows where each mode puts an organization's documents. */
export function placementOf(mode: PlacementMode, cluster: string, org: { id: string; slug: string }, tenantDbName: string): Placement {
  switch (mode) {
    case 'collection':
      return { mode, cluster, database: tenantDbName, collection: tenantCollectionName(org.slug) };
    case 'shared':
      return { mode, cluster, database: tenantDbName, collection: SHARED_COLLECTION };
    case 'database':
      return { mode, cluster, database: `${tenantDbName}_${org.id}`, collection: OWN_DATABASE_COLLECTION };
  }
}

/** True when both name the same documents' home. */
export function samePlacement(a: Placement, b: Placement): boolean {
  return a.mode === b.mode && a.cluster === b.cluster && a.database === b.database && a.collection === b.collection;
}

/** `cluster/database.collection`, for logs and cache keys. */
export function namespaceOf(placement: Pick<Placement, 'cluster' | 'database' | 'collection'>): string {
  return `${placement.cluster}/${placement.database}.${placement.collection}`;
}
