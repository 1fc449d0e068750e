import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../../common/database/mongo-errors.js';
import { LoginThrottleStore, type RecordOutcome } from '../login-throttle.store.js';
import { LoginFailure } from './login-failure.schema.js';

/**
 * Failures in the master database's `login_failures`, shared by every instance. Only inserts of new
 * documents and reads by `_id`: FerretDB does not apply concurrent `$inc` or conditional updates of
 * one document atomically, while a duplicate key on insert it does refuse.
 */
@Injectable()
export class MongoLoginThrottleStore extends LoginThrottleStore {
  constructor(@InjectModel(LoginFailure.name) private readonly failures: Model<LoginFailure>) {
    super();
  }

  async record(emailSlot: string, addressSlot: string, expiresAt: Date): Promise<RecordOutcome> {
    try {
      await this.failures.insertOne({ _id: emailSlot, address_slot: addressSlot, expires_at: expiresAt });
      return 'recorded';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Which of the two was taken, without relying on how each server words the duplicate: by `_id`.
      return (await this.holdsEmailSlot(emailSlot)) ? 'email-slot-taken' : 'address-slot-taken';
    }
  }

  async holdsEmailSlot(emailSlot: string): Promise<boolean> {
    return (await this.failures.exists({ _id: emailSlot })) !== null;
  }

  async sweep(now: Date): Promise<number> {
    const { deletedCount } = await this.failures.deleteMany({ expires_at: trusted({ $lte: now }) });
    return deletedCount;
  }
}
