import type { ObjectId } from '../../common/database/object-id.js';
import { copy, type Surface } from '../../common/testing/common.fakes.js';
import type { ApiKeyRecord } from '../persistence/api-key.schema.js';
import type { ApiKeyCredential, ApiKeysRepository } from '../persistence/api-keys.repository.js';

/** `api_keys` in memory, counting the reads requests make (`findByHash`) and the usage writes. */
export class InMemoryApiKeys implements Surface<ApiKeysRepository> {
  readonly documents = new Map<string, ApiKeyRecord>();
  hashReads = 0;
  /** Each `recordUses` call's uses, as `key id -> ISO time`. */
  readonly useWrites: Record<string, string>[] = [];
  /** Set to make the next `recordUses` fail, as a lost database would. */
  failNextUseWrite = false;

  async insert(apiKey: ApiKeyRecord): Promise<void> {
    if (this.all().some((stored) => stored.key_hash === apiKey.key_hash)) throw new Error('E11000 duplicate key (in memory): key_hash');
    this.documents.set(apiKey._id.toHexString(), copy(apiKey));
  }

  async findByHash(keyHash: string): Promise<ApiKeyCredential | null> {
    this.hashReads += 1;
    const found = this.all().find((stored) => stored.key_hash === keyHash);
    return found ? { _id: found._id, org_id: found.org_id, name: found.name, role: found.role, expires_at: found.expires_at } : null;
  }

  async page(orgId: ObjectId, after: ObjectId | undefined, limit: number): Promise<ApiKeyRecord[]> {
    return this.all()
      .filter((stored) => stored.org_id.equals(orgId) && (!after || stored._id.toHexString() > after.toHexString()))
      .sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString()))
      .slice(0, limit)
      .map(copy);
  }

  async delete(orgId: ObjectId, keyId: ObjectId): Promise<ApiKeyRecord | null> {
    const found = this.documents.get(keyId.toHexString());
    if (!found || !found.org_id.equals(orgId)) return null;
    this.documents.delete(keyId.toHexString());
    return found;
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    for (const [id, stored] of this.documents) if (stored.org_id.equals(orgId)) this.documents.delete(id);
  }

  async recordUses(uses: ReadonlyMap<string, Date>): Promise<void> {
    if (this.failNextUseWrite) {
      this.failNextUseWrite = false;
      throw new Error('database unavailable (in memory)');
    }
    this.useWrites.push(Object.fromEntries([...uses].map(([id, at]) => [id, at.toISOString()])));
    for (const [id, at] of uses) {
      const stored = this.documents.get(id);
      if (stored && (stored.last_used_at === null || stored.last_used_at < at)) stored.last_used_at = at;
    }
  }

  private all(): ApiKeyRecord[] {
    return [...this.documents.values()];
  }
}
