import type { Placement } from '../tenants/placement.js';
import { type OrganizationRecord, OrganizationStatus } from './persistence/organization.schema.js';

/**
 * Where the organization's records can be read now: its placement and, while a rename moves its
 * own collection, also the collection it moves to (the old one first). A move of its data serves
 * reads from the placement until the cutover switches it.
 */
export function readablePlacements(org: OrganizationRecord): Placement[] {
  const movingTo = org.status === OrganizationStatus.Migrating ? org.operation?.to_collection : undefined;
  return movingTo ? [org.placement, { ...org.placement, collection: movingTo }] : [org.placement];
}
