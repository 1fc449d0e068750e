import { Model, trusted } from 'mongoose';
import { LoginThrottleStore } from './login-throttle.store.js';
import { LoginAttempt } from './schemas/login-attempt.schema.js';

/**
 * Attempts in the master database, shared by every instance. Only inserts, counts and deletes:
 * FerretDB does not apply concurrent `$inc` updates of one document atomically, inserts it does.
 */
export class MongoLoginThrottleStore extends LoginThrottleStore {
  constructor(private readonly attempts: Model<LoginAttempt>) {
    super();
  }

  async record(key: string, at: Date): Promise<void> {
    await this.attempts.create({ key, at });
  }

  count(key: string, since: Date): Promise<number> {
    return this.attempts.countDocuments({ key, at: trusted({ $gt: since }) });
  }

  async attemptAt(key: string, since: Date, index: number): Promise<Date | null> {
    const attempt = await this.attempts
      .findOne({ key, at: trusted({ $gt: since }) }, { _id: 0, at: 1 })
      .sort({ at: 1 })
      .skip(index)
      .lean<Pick<LoginAttempt, 'at'>>();
    return attempt?.at ?? null;
  }

  async reset(key: string): Promise<void> {
    await this.attempts.deleteMany({ key });
  }

  async sweep(cutoff: Date): Promise<number> {
    const { deletedCount } = await this.attempts.deleteMany({ at: trusted({ $lte: cutoff }) });
    return deletedCount;
  }
}
