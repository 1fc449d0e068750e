import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The right to make one contended change (e.g. leave one lifecycle epoch of one organization),
 * won by the one caller whose insert of the ticket's `_id` succeeds.
 */
@Schema({ collection: 'transition_tickets', versionKey: false })
export class TransitionTicket {
  @Prop({ type: String, required: true })
  _id: string;

  /** A value unique to the caller that took the ticket, so only it releases the ticket. */
  @Prop({ type: String, required: true })
  holder: string;

  @Prop({ type: Date, required: true })
  taken_at: Date;
}

export const TransitionTicketSchema = SchemaFactory.createForClass(TransitionTicket);
// Reconciler: tickets left behind by a crash, `{taken_at: {$lt: cutoff}}`.
TransitionTicketSchema.index({ taken_at: 1 });
