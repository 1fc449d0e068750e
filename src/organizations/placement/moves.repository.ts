import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import type { Actor } from '../../common/access/authenticated-member.js';
import { newObjectId, type ObjectId, toObjectId } from '../../common/database/object-id.js';
import type { Placement } from '../../tenants/placement.js';
import { MovePhase } from '../persistence/organization.schema.js';
import { Move, MoveJournalEntry, type MoveRecord } from './move.schema.js';

/** Phases in which a move still needs its runner (or, after a crash, recovery). */
export const UNFINISHED_PHASES = [MovePhase.Copying, MovePhase.CatchingUp, MovePhase.Cutover, MovePhase.CleaningUp, MovePhase.Failed];

/** The `moves` and `move_journal` collections. */
@Injectable()
export class MovesRepository {
  constructor(
    @InjectModel(Move.name) private readonly moves: Model<Move>,
    @InjectModel(MoveJournalEntry.name) private readonly journal: Model<MoveJournalEntry>,
  ) {}

  async insert(move: { _id: ObjectId; org_id: ObjectId; from: Placement; to: Placement; requested_by: Actor | null }): Promise<MoveRecord> {
    const created = await this.moves.create({ ...move, phase: MovePhase.Copying, documents_copied: 0, started_at: new Date() });
    return created.toObject<MoveRecord>();
  }

  findById(id: string | ObjectId): Promise<MoveRecord | null> {
    return this.moves.collection.findOne<MoveRecord>({ _id: typeof id === 'string' ? toObjectId(id) : id });
  }

  findUnfinished(limit: number): Promise<MoveRecord[]> {
    return this.moves
      .find({ phase: trusted({ $in: UNFINISHED_PHASES }) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<MoveRecord[]>();
  }

  async update(id: ObjectId, fields: Partial<Move>): Promise<void> {
    await this.moves.updateOne({ _id: id }, { $set: fields });
  }

  async remove(id: ObjectId): Promise<void> {
    await this.moves.deleteOne({ _id: id });
  }

  /** Notes that a record changed while the move runs. */
  async journalWrites(moveId: ObjectId, recordIds: readonly ObjectId[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.journal.collection.insertMany(
      recordIds.map((recordId) => ({ _id: newObjectId(), move_id: moveId, record_id: recordId })),
      { ordered: false },
    );
  }

  /** The oldest journal entries of the move. */
  journalPage(moveId: ObjectId, limit: number): Promise<{ _id: ObjectId; record_id: ObjectId }[]> {
    return this.journal
      .find({ move_id: moveId }, { record_id: 1 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<{ _id: ObjectId; record_id: ObjectId }[]>();
  }

  async forgetJournal(entryIds: ObjectId[]): Promise<void> {
    await this.journal.deleteMany({ _id: trusted({ $in: entryIds }) });
  }

  async clearJournal(moveId: ObjectId): Promise<void> {
    await this.journal.deleteMany({ move_id: moveId });
  }
}
