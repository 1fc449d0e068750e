import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema, Types } from 'mongoose';
import type { Actor } from '../../common/access/authenticated-member.js';
import type { Placement } from '../../tenants/placement.js';
import { MovePhase } from '../persistence/organization.schema.js';

/**
 * A move of one organization's data between placements: a state machine any instance can finish
 * or roll back after a crash (see OrganizationMoves). The organization mirrors `phase` in its
 * `move` field for its writers.
 */
@Schema({ collection: 'moves', versionKey: false })
export class Move {
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true })
  org_id: Types.ObjectId;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  from: Placement;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  to: Placement;

  /**
   * The operator who asked for the move, the actor of its `organization.placement_changed` event;
   * null for moves stored before it was kept.
   */
  @Prop({ type: MongooseSchema.Types.Mixed, default: null })
  requested_by?: Actor | null;

  @Prop({ type: String, enum: Object.values(MovePhase), required: true })
  phase: MovePhase;

  @Prop({ type: Number, required: true, default: 0 })
  documents_copied: number;

  @Prop({ type: Date, required: true })
  started_at: Date;

  @Prop({ type: Date, default: null })
  cutover_started_at: Date | null;

  @Prop({ type: Date, default: null })
  finished_at: Date | null;

  /** How long writes were refused: from the cutover's start to the switch of the placement. */
  @Prop({ type: Number, default: null })
  write_freeze_ms: number | null;

  @Prop({ type: String })
  error?: string;
}

export type MoveRecord = Move & { _id: Types.ObjectId };
export const MoveSchema = SchemaFactory.createForClass(Move);
// Recovery: moves still running or still to clean up, `{phase: {$in: [...]}}`.
MoveSchema.index({ phase: 1 });

/**
 * A record written while its organization's data is being copied: the catch-up copies it again.
 * Written by the writer after its write landed, so reading the record after reading the entry
 * always sees that write.
 */
@Schema({ collection: 'move_journal', versionKey: false })
export class MoveJournalEntry {
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true })
  move_id: Types.ObjectId;

  @Prop({ type: MongooseSchema.Types.ObjectId, required: true })
  record_id: Types.ObjectId;
}

export const MoveJournalEntrySchema = SchemaFactory.createForClass(MoveJournalEntry);
// Catch-up reads one move's entries, `{move_id}` in `_id` order, and deletes the ones it copied.
MoveJournalEntrySchema.index({ move_id: 1, _id: 1 });
