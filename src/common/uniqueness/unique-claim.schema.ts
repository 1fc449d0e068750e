import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A unique value (an organization slug, an account email) owned by one document. Uniqueness is
 * enforced by the `_id` index on insert, which every MongoDB-compatible server honours, rather
 * than by unique indexes checked on update (FerretDB may not raise on those).
 */
@Schema({ collection: 'unique_claims', versionKey: false })
export class UniqueClaim {
  /** `<kind>:<value>`, built by UniqueClaimsRepository only. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  owner_id: Types.ObjectId;

  @Prop({ type: Date, required: true })
  claimed_at: Date;
}

export const UniqueClaimSchema = SchemaFactory.createForClass(UniqueClaim);
// Reconciler: claims taken before a cutoff, `claimed_at < cutoff`, paged by `{claimed_at, _id}` either way.
UniqueClaimSchema.index({ claimed_at: 1, _id: 1 });
// Deleting an organization releases every claim of its accounts and itself: `{owner_id: {$in: [...]}}`.
UniqueClaimSchema.index({ owner_id: 1 });
