import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import type { ObjectId } from '../../common/database/object-id.js';
import { WebhookEndpoint, type WebhookEndpointRecord } from './webhook-endpoint.schema.js';

/** The `webhook_endpoints` collection. An owner is an organization's id, or null for the platform's endpoints. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@InjectModel(WebhookEndpoint.name) private readonly endpoints: Model<WebhookEndpoint>) {}

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.endpoints.create(endpoint);
  }

  countOwnedBy(owner: ObjectId | null): Promise<number> {
    return this.endpoints.countDocuments({ org_id: owner });
  }

  /** The owner's endpoints in `_id` order after the cursor. */
  page(owner: ObjectId | null, after: ObjectId | undefined, limit: number): Promise<WebhookEndpointRecord[]> {
    const filter: Record<string, unknown> = { org_id: owner };
    if (after) filter._id = trusted({ $gt: after });
    return this.endpoints.find(filter).sort({ _id: 1 }).limit(limit).lean<WebhookEndpointRecord[]>();
  }

  findOwned(owner: ObjectId | null, id: ObjectId): Promise<WebhookEndpointRecord | null> {
    return this.endpoints.findOne({ _id: id, org_id: owner }).lean<WebhookEndpointRecord>();
  }

  /** Deletes the owner's endpoint; the deleted one, or null when the owner has none with that id. */
  delete(owner: ObjectId | null, id: ObjectId): Promise<WebhookEndpointRecord | null> {
    return this.endpoints.findOneAndDelete({ _id: id, org_id: owner }).lean<WebhookEndpointRecord>();
  }

  /** The organization's endpoints' ids, then deletes them. */
  async deleteByOrganization(orgId: ObjectId): Promise<ObjectId[]> {
    const owned = await this.endpoints.find({ org_id: orgId }, { _id: 1 }).lean<{ _id: ObjectId }[]>();
    await this.endpoints.deleteMany({ org_id: orgId });
    return owned.map(({ _id }) => _id);
  }

  /** The enabled endpoints that receive these organizations' events: their own and the platform's. */
  subscribedTo(orgIds: ObjectId[]): Promise<WebhookEndpointRecord[]> {
    return this.endpoints.find({ org_id: trusted({ $in: [...orgIds, null] }), disabled_at: null }).lean<WebhookEndpointRecord[]>();
  }

  byIds(ids: ObjectId[]): Promise<WebhookEndpointRecord[]> {
    return this.endpoints.find({ _id: trusted({ $in: ids }) }).lean<WebhookEndpointRecord[]>();
  }

  async markFailing(id: ObjectId, since: Date): Promise<void> {
    await this.endpoints.updateOne({ _id: id, failing_since: null }, { $set: { failing_since: since } });
  }

  async markSucceeding(id: ObjectId): Promise<void> {
    await this.endpoints.updateOne({ _id: id, failing_since: trusted({ $ne: null }) }, { $set: { failing_since: null } });
  }

  async disable(id: ObjectId, at: Date): Promise<void> {
    await this.endpoints.updateOne({ _id: id, disabled_at: null }, { $set: { disabled_at: at } });
  }

  async enable(id: ObjectId): Promise<void> {
    await this.endpoints.updateOne({ _id: id }, { $set: { disabled_at: null, failing_since: null } });
  }
}
