import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError, isOnlyDuplicateKeyErrors } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { OutboxEvent, type OutboxEventRecord } from './outbox-event.schema.js';

/** The `outbox_events` collection. */
@Injectable()
export class OutboxEventsRepository {
  constructor(@InjectModel(OutboxEvent.name) private readonly events: Model<OutboxEvent>) {}

  /** Stores the event unless one with its key is stored already. */
  async insertOnce(event: OutboxEventRecord): Promise<void> {
    try {
      await this.events.collection.insertOne(event as never);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Stores those of the events not stored yet. */
  async insertMissing(events: OutboxEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.events.collection.insertMany(events as never[], { ordered: false });
    } catch (error) {
      if (!isOnlyDuplicateKeyErrors(error)) throw error;
    }
  }

  /** Which of these keys are stored. */
  async storedKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const found = await this.events.collection.find({ _id: { $in: keys } } as never, { projection: { _id: 1 } }).toArray();
    return new Set(found.map(({ _id }) => String(_id)));
  }

  /** The oldest events not handed out yet, in the order they happened. */
  undispatched(limit: number): Promise<OutboxEventRecord[]> {
    return this.events.collection.find<OutboxEventRecord>({ dispatched: false }).sort({ event_id: 1 }).limit(limit).toArray();
  }

  async markDispatched(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.events.updateMany({ _id: trusted({ $in: keys }) }, { $set: { dispatched: true } });
  }

  /** Deletes events handed out before the cutoff event id. */
  async pruneDispatchedBefore(cutoff: ObjectId): Promise<void> {
    await this.events.deleteMany({ dispatched: true, event_id: trusted({ $lt: cutoff }) });
  }
}
