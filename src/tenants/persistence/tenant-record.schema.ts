import type { ObjectId } from '../../common/database/object-id.js';

/**
 * One document of an organization's own data, where its placement says (its own collection, the
 * shared one, or its own database). Written and read with the driver (TenantCollectionRegistry);
 * tenant collections are created and dropped by TenantStorage only.
 */
export interface StoredTenantRecord {
  _id: ObjectId;
  /**
   * The organization the record belongs to. A read through a collection name remembered from a
   * moment ago checks it, because by now that name may belong to another organization.
   */
  org_id: ObjectId;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}
