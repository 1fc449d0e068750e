import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A named lease that one instance at a time holds until `expires_at` (taken by conditional upsert). */
@Schema({ collection: 'leases', versionKey: false })
export class Lease {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  holder: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

// Served by the built-in `_id` index only: leases are taken and renewed by name.
export const LeaseSchema = SchemaFactory.createForClass(Lease);
