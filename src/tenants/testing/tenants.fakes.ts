import type { ObjectId } from '../../common/database/object-id.js';
import { type Surface, TEST_CONFIG } from '../../common/testing/common.fakes.js';
import { namespaceOf, type Placement, SHARED_COLLECTION } from '../placement.js';
import type { TenantRecords } from '../persistence/tenant-records.repository.js';
import { isTenantCollectionName } from '../tenant-collection-name.js';
import type { ClusterUsage, MoveResult, TenantCollectionStats, TenantStorage } from '../tenant-storage.service.js';
import { QuotaExceededError } from '../tenants.errors.js';
import type { QuotaLimits, TenantUsage, Usage, UsageReservation } from '../usage/tenant-usage.service.js';

/** A `collection`-mode collection's namespace on the test configuration's default cluster and tenant database. */
export function tenantNamespace(collection: string): string {
  return namespaceOf({ cluster: TEST_CONFIG.tenancy.defaultCluster, database: TEST_CONFIG.mongo.tenantDbName, collection });
}

/**
 * Tenant storage in memory: each collection by its namespace (`cluster/database.collection`, see
 * namespaceOf) with the documents it holds, and, in a shared collection, each organization's share
 * of them. The steps are idempotent like the service's.
 */
export class InMemoryTenantStorage implements Surface<TenantStorage> {
  /** Documents per collection, by namespace. */
  readonly collections = new Map<string, number>();
  /** Documents per organization (id, hex) in each shared collection, by namespace. */
  readonly shares = new Map<string, Map<string, number>>();
  /** Set to make the next provision fail, as a lost database would. */
  failNextProvision = false;

  constructor(private readonly tenantDbName = TEST_CONFIG.mongo.tenantDbName) {}

  /** Stores `documents` documents of the organization where the placement says. */
  put(orgId: ObjectId, placement: Placement, documents: number): void {
    const namespace = namespaceOf(placement);
    if (placement.mode !== 'shared') {
      this.collections.set(namespace, documents);
      return;
    }
    const shares = this.shares.get(namespace) ?? new Map<string, number>();
    shares.set(orgId.toHexString(), documents);
    this.shares.set(namespace, shares);
    this.collections.set(
      namespace,
      [...shares.values()].reduce((sum, count) => sum + count, 0),
    );
  }

  records(): TenantRecords {
    throw new Error('Records are not kept in memory: the records API is tested end to end');
  }

  async provision(placement: Placement): Promise<void> {
    if (this.failNextProvision) {
      this.failNextProvision = false;
      throw new Error('connection lost');
    }
    const namespace = namespaceOf(placement);
    if (!this.collections.has(namespace)) this.collections.set(namespace, 0);
  }

  async exists(placement: Placement): Promise<boolean> {
    return placement.mode === 'shared' || this.collections.has(namespaceOf(placement));
  }

  async drop(orgId: ObjectId, placement: Placement): Promise<number> {
    const namespace = namespaceOf(placement);
    if (placement.mode === 'shared') {
      const documents = this.shares.get(namespace)?.get(orgId.toHexString()) ?? 0;
      this.shares.get(namespace)?.delete(orgId.toHexString());
      if (this.collections.has(namespace)) this.collections.set(namespace, (this.collections.get(namespace) ?? 0) - documents);
      return documents;
    }
    const documents = this.collections.get(namespace) ?? 0;
    this.collections.delete(namespace);
    // A `database`-mode organization's whole database goes.
    if (placement.mode === 'database') {
      const database = `${placement.cluster}/${placement.database}.`;
      for (const name of [...this.collections.keys()]) if (name.startsWith(database)) this.collections.delete(name);
    }
    return documents;
  }

  async stats(orgId: ObjectId, placement: Placement): Promise<TenantCollectionStats> {
    const namespace = namespaceOf(placement);
    const exists = this.collections.has(namespace);
    const indexes = !exists ? 0 : placement.mode === 'shared' ? 2 : 1;
    const documents =
      placement.mode === 'shared' ? (this.shares.get(namespace)?.get(orgId.toHexString()) ?? 0) : (this.collections.get(namespace) ?? 0);
    return { collection_name: placement.collection, documents, size_bytes: 0, indexes };
  }

  async listTenantCollections(cluster: string): Promise<string[]> {
    const prefix = `${cluster}/${this.tenantDbName}.`;
    return [...this.collections.keys()]
      .filter((namespace) => namespace.startsWith(prefix))
      .map((namespace) => namespace.slice(prefix.length))
      .filter(isTenantCollectionName);
  }

  async usage(cluster: string): Promise<ClusterUsage> {
    const usage: ClusterUsage = { collections: 0, indexes: 0 };
    for (const namespace of this.collections.keys()) {
      if (!namespace.startsWith(`${cluster}/`)) continue;
      const [database, ...collection] = namespace.slice(cluster.length + 1).split('.');
      if (database !== this.tenantDbName && !database.startsWith(`${this.tenantDbName}_`)) continue;
      usage.collections += 1;
      // `_id`, and on the shared collection its `{org_id, _id}` index.
      usage.indexes += collection.join('.') === SHARED_COLLECTION ? 2 : 1;
    }
    return usage;
  }

  async renameCollection(from: Placement, toCollection: string, onProgress?: () => Promise<void>): Promise<MoveResult> {
    const source = namespaceOf(from);
    const target = namespaceOf({ ...from, collection: toCollection });
    const documents = this.collections.get(source);
    if (documents === undefined) {
      if (!this.collections.has(target)) this.collections.set(target, 0);
      return { documents: null, method: 'already-moved' };
    }
    if (this.collections.has(target)) {
      // An interrupted copy: the target is made to hold exactly what the source holds, then the source goes.
      await onProgress?.();
      this.collections.set(target, documents);
      this.collections.delete(source);
      return { documents, method: 'copy' };
    }
    this.collections.delete(source);
    this.collections.set(target, documents);
    return { documents: null, method: 'renameCollection' };
  }

  /** Collections in memory have no secondary indexes to copy. */
  async copyIndexes(): Promise<void> {}
}

/** Each organization's usage as a plain figure; reservations are checked but not held (specs write one at a time). */
export class InMemoryTenantUsage implements Surface<TenantUsage> {
  readonly usage = new Map<string, Usage>();

  async reserve(orgId: ObjectId, _placement: Placement, limits: QuotaLimits, delta: Usage): Promise<UsageReservation> {
    const now = this.usage.get(orgId.toHexString()) ?? { documents: 0, bytes: 0 };
    if (now.documents + delta.documents > limits.maxDocuments || now.bytes + delta.bytes > limits.maxBytes) throw new QuotaExceededError();
    return {
      commit: async (actual) =>
        void this.usage.set(orgId.toHexString(), { documents: now.documents + actual.documents, bytes: now.bytes + actual.bytes }),
      release: () => undefined,
    };
  }

  /** What the in-memory ledger holds: always known. */
  knownUsage(orgId: string): Usage | undefined {
    return this.usage.get(orgId);
  }

  async current(orgId: ObjectId): Promise<Usage> {
    return this.usage.get(orgId.toHexString()) ?? { documents: 0, bytes: 0 };
  }

  async forget(orgId: ObjectId): Promise<void> {
    this.usage.delete(orgId.toHexString());
  }

  async onApplicationShutdown(): Promise<void> {}
}
