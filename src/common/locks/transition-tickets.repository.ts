import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-errors.js';
import { TransitionTicket } from './transition-ticket.schema.js';

/** The `transition_tickets` collection: one document per change in progress. */
@Injectable()
export class TransitionTicketsRepository {
  constructor(@InjectModel(TransitionTicket.name) private readonly tickets: Model<TransitionTicket>) {}

  /** True for the one caller whose insert of the ticket succeeds. */
  async take(ticket: string, holder: string): Promise<boolean> {
    try {
      await this.tickets.create({ _id: ticket, holder, taken_at: new Date() });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async release(ticket: string, holder: string): Promise<void> {
    await this.tickets.deleteOne({ _id: ticket, holder });
  }

  /** The tickets taken before the cutoff: left by a crash, so the change each names may be half done. */
  async findTakenBefore(cutoff: Date): Promise<string[]> {
    const tickets = await this.tickets.find({ taken_at: trusted({ $lt: cutoff }) }, { _id: 1 }).lean<{ _id: string }[]>();
    return tickets.map(({ _id }) => _id);
  }

  /** Releases every ticket taken before the cutoff (left by a crash); returns how many. */
  async releaseTakenBefore(cutoff: Date): Promise<number> {
    const { deletedCount } = await this.tickets.deleteMany({ taken_at: trusted({ $lt: cutoff }) });
    return deletedCount;
  }
}
