import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { TenantUsagePart } from './tenant-usage.schema.js';

export interface Usage {
  documents: number;
  bytes: number;
}

/** The `tenant_usage` ledger (see TenantUsagePart). */
@Injectable()
export class TenantUsageRepository {
  constructor(@InjectModel(TenantUsagePart.name) private readonly parts: Model<TenantUsagePart>) {}

  /** The sum of the organization's parts; null until its ledger has started. */
  async find(orgId: ObjectId): Promise<Usage | null> {
    const parts = await this.parts.find({ org_id: orgId }, { documents: 1, bytes: 1 }).lean<TenantUsagePart[]>();
    return parts.some(({ _id }) => _id === `${orgId.toHexString()}:base`) ? sumOf(parts) : null;
  }

  /** Starts the organization's ledger at `measured` (its base part), unless another instance started it first (its count wins). */
  async start(orgId: ObjectId, measured: Usage): Promise<void> {
    try {
      await this.parts.create({ _id: `${orgId.toHexString()}:base`, org_id: orgId, ...measured });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Adds `delta` to the slot's part. Only the slot's holder calls this, one call at a time per organization. */
  async add(orgId: ObjectId, slot: number, delta: Usage): Promise<void> {
    await this.parts.updateOne(
      { _id: `${orgId.toHexString()}:${slot}` },
      { $inc: { documents: delta.documents, bytes: delta.bytes }, $setOnInsert: { org_id: orgId } },
      { upsert: true },
    );
  }

  async remove(orgId: ObjectId): Promise<void> {
    await this.parts.deleteMany({ org_id: orgId });
  }
}

function sumOf(parts: Usage[]): Usage {
  return parts.reduce((total, part) => ({ documents: total.documents + part.documents, bytes: total.bytes + part.bytes }), {
    documents: 0,
    bytes: 0,
  });
}
