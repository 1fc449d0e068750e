import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';

/** One document of an organization's own data, stored in that organization's collection. */
@Schema({
  versionKey: false,
  minimize: false,
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  // Tenant collections are created and dropped by TenantCollectionService only.
  autoCreate: false,
  autoIndex: false,
})
export class TenantRecord {
  /**
   * The organization the record belongs to. A read through a collection name remembered from a
   * moment ago checks it, because by now that name may belong to another organization.
   */
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  data: Record<string, unknown>;

  created_at: Date;
  updated_at: Date;
}

export type StoredTenantRecord = TenantRecord & { _id: Types.ObjectId };
// Served by the built-in `_id` index only: records are read by id and listed in `_id` order.
export const TenantRecordSchema = SchemaFactory.createForClass(TenantRecord);
