import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import type { MemberRole } from '../../common/access/member-role.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { ApiKey, type ApiKeyRecord } from './api-key.schema.js';

/** What a request with a key needs of it. */
export type ApiKeyCredential = Pick<ApiKeyRecord, '_id' | 'org_id' | 'name' | 'expires_at'> & { role: MemberRole };

/** The `api_keys` collection. Every query names the organization, or the key's hash or id. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectModel(ApiKey.name) private readonly apiKeys: Model<ApiKey>) {}

  async insert(apiKey: ApiKeyRecord): Promise<void> {
    await this.apiKeys.create(apiKey);
  }

  /** The driver's own findOne: requests with a key read this (through a cache). */
  findByHash(keyHash: string): Promise<ApiKeyCredential | null> {
    return this.apiKeys.collection.findOne<ApiKeyCredential>(
      { key_hash: keyHash },
      { projection: { _id: 1, org_id: 1, name: 1, role: 1, expires_at: 1 } },
    );
  }

  /** The organization's keys in `_id` order after the cursor. */
  page(orgId: ObjectId, after: ObjectId | undefined, limit: number): Promise<ApiKeyRecord[]> {
    const filter: Record<string, unknown> = { org_id: orgId };
    if (after) filter._id = trusted({ $gt: after });
    return this.apiKeys.find(filter).sort({ _id: 1 }).limit(limit).lean<ApiKeyRecord[]>();
  }

  /** Deletes the organization's key; the deleted key, or null when it has none with that id. */
  delete(orgId: ObjectId, keyId: ObjectId): Promise<ApiKeyRecord | null> {
    // No projection: FerretDB refuses findAndModify with one.
    return this.apiKeys.findOneAndDelete({ _id: keyId, org_id: orgId }).lean<ApiKeyRecord>();
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.apiKeys.deleteMany({ org_id: orgId });
  }

  /** One update per key, in one round trip; `$max`, so a late flush never moves a newer use back. Deleted keys match nothing. */
  async recordUses(uses: ReadonlyMap<string, Date>): Promise<void> {
    if (uses.size === 0) return;
    await this.apiKeys.bulkWrite(
      [...uses].map(([keyId, at]) => ({ updateOne: { filter: { _id: toObjectId(keyId) }, update: { $max: { last_used_at: at } } } })),
      { ordered: false },
    );
  }
}
