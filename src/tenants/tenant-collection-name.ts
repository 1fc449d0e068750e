/** The only place that knows how an organization's slug maps to its tenant collection. */
export const TENANT_COLLECTION_PREFIX = 'org_';

export function tenantCollectionName(slug: string): string {
  return `${TENANT_COLLECTION_PREFIX}${slug}`;
}

export function isTenantCollectionName(name: string): boolean {
  return name.startsWith(TENANT_COLLECTION_PREFIX) && name.length > TENANT_COLLECTION_PREFIX.length;
}

/** The slug a tenant collection belongs to (inverse of tenantCollectionName). */
export function slugOfTenantCollection(name: string): string {
  return name.slice(TENANT_COLLECTION_PREFIX.length);
}
