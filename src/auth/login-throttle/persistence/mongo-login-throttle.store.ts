import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../../common/database/mongo-errors.js';
import { LoginThrottleStore } from '../login-throttle.store.js';
import { LoginAttempt } from './login-attempt.schema.js';

/**
 * Slots in the master database's `login_attempts`, shared by every instance. A login only inserts
 * new `_id`s and deletes by exact `_id`: FerretDB does not apply concurrent `$inc` or conditional
 * updates of one document atomically, while a duplicate `_id` on insert it does refuse.
 */
@Injectable()
export class MongoLoginThrottleStore extends LoginThrottleStore {
  constructor(@InjectModel(LoginAttempt.name) private readonly attempts: Model<LoginAttempt>) {
    super();
  }

  async occupy(id: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.attempts.insertOne({ _id: id, expires_at: expiresAt });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async release(id: string): Promise<void> {
    await this.attempts.deleteOne({ _id: id });
  }

  async sweep(now: Date): Promise<number> {
    const { deletedCount } = await this.attempts.deleteMany({ expires_at: trusted({ $lte: now }) });
    return deletedCount;
  }
}
