import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * What one organization's records hold, kept beside the records (in the master database) so that a
 * quota check needs no count of the data: `documents`, and `bytes` of record data as JSON (the
 * measure of the 64 KiB body limit). `_id` is the organization's id.
 */
@Schema({ collection: 'tenant_usage', versionKey: false })
export class TenantUsageLedger {
  @Prop({ type: Types.ObjectId, required: true })
  _id: Types.ObjectId;

  @Prop({ type: Number, required: true })
  documents: number;

  @Prop({ type: Number, required: true })
  bytes: number;
}

export const TenantUsageLedgerSchema = SchemaFactory.createForClass(TenantUsageLedger);
