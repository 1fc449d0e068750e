import type { TenantLocation } from '../tenants/persistence/tenant-records.repository.js';
import { type OrganizationRecord, OrganizationStatus } from './persistence/organization.schema.js';

/** Where the organization's records are now: during a rename, also where they are moving. */
export function tenantLocation(org: OrganizationRecord): TenantLocation {
  const movingTo = org.status === OrganizationStatus.Migrating ? org.operation?.to_collection : undefined;
  return movingTo ? { collection: org.collection_name, movingTo } : { collection: org.collection_name };
}
