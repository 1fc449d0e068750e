import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { TenantUsageLedger } from './tenant-usage.schema.js';

export interface Usage {
  documents: number;
  bytes: number;
}

/** The `tenant_usage` ledger: one document per organization. */
@Injectable()
export class TenantUsageRepository {
  constructor(@InjectModel(TenantUsageLedger.name) private readonly ledger: Model<TenantUsageLedger>) {}

  async find(orgId: ObjectId): Promise<Usage | null> {
    const found = await this.ledger.findById(orgId, { documents: 1, bytes: 1 }).lean<TenantUsageLedger>();
    return found ? { documents: found.documents, bytes: found.bytes } : null;
  }

  /** Starts the organization's ledger at `measured`, unless another instance started it first (its figure wins). */
  async start(orgId: ObjectId, measured: Usage): Promise<Usage> {
    try {
      await this.ledger.create({ _id: orgId, ...measured });
      return measured;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return (await this.find(orgId)) ?? measured;
    }
  }

  /** Adds `delta` and answers the totals after it; null when the organization has no ledger (it was deleted). */
  async add(orgId: ObjectId, delta: Usage): Promise<Usage | null> {
    const after = await this.ledger
      .findOneAndUpdate({ _id: orgId }, { $inc: { documents: delta.documents, bytes: delta.bytes } }, { returnDocument: 'after' })
      .lean<TenantUsageLedger>();
    return after ? { documents: after.documents, bytes: after.bytes } : null;
  }

  async remove(orgId: ObjectId): Promise<void> {
    await this.ledger.deleteOne({ _id: orgId });
  }
}
