import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One term of a named lease, held by one instance until `expires_at`. A term is taken by inserting
 * it (`_id` `<name>:<term>`), so only one instance can take each term.
 */
@Schema({ collection: 'leases', versionKey: false })
export class Lease {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: Number, required: true })
  term: number;

  @Prop({ type: String, required: true })
  holder: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export const LeaseSchema = SchemaFactory.createForClass(Lease);
// Taking a lease: the latest term, `{name}` sorted by `{term: -1}`; then pruning `{name, term: {$lt}}`.
LeaseSchema.index({ name: 1, term: -1 });
