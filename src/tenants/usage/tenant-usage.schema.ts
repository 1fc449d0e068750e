import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * One part of an organization's usage: `documents`, and `bytes` of record data as JSON (the measure
 * of the 64 KiB body limit), so that a quota check needs no count of the data. `_id` is
 * `<org id>:base` for the count taken when the organization's ledger started, and
 * `<org id>:<slot>` for what the instance holding usage slot `<slot>` added since. Only that
 * instance increments its part, one `$inc` at a time, so no two increments of one document ever
 * race (FerretDB loses concurrent `$inc`s of one document); the usage is the sum of the parts.
 */
@Schema({ collection: 'tenant_usage', versionKey: false })
export class TenantUsagePart {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: Number, required: true })
  documents: number;

  @Prop({ type: Number, required: true })
  bytes: number;
}

export const TenantUsagePartSchema = SchemaFactory.createForClass(TenantUsagePart);
// Reading an organization's usage: all its parts (as many as instances wrote to it at once, plus one).
TenantUsagePartSchema.index({ org_id: 1 });
