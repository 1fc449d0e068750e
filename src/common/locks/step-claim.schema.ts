import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One step taken by one instance (e.g. one attempt of one webhook delivery), claimed by inserting
 * its `_id`. A claim is never released: it marks the step as taken for good. One whose holder did
 * not finish by `expires_at` may be taken over (the holder died mid-step).
 */
@Schema({ collection: 'step_claims', versionKey: false })
export class StepClaim {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  holder: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export const StepClaimSchema = SchemaFactory.createForClass(StepClaim);
// Pruning claims of steps long done: `{expires_at: {$lt}}`.
StepClaimSchema.index({ expires_at: 1 });
