import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/claims/unique-claim.service.js';
import { LoginThrottleStore, ThrottleCounter } from './login-throttle.store.js';
import { LoginCounter } from './schemas/login-counter.schema.js';

/** A hit races at most one other first hit or window restart per round; three rounds are plenty. */
const MAX_ROUNDS = 3;

/**
 * Counters in the master database, shared by every instance. Each hit is one atomic update:
 * `$inc` inside the current window, or a conditional restart of an ended window, or an insert of a
 * new counter (whose duplicate-key error means another instance inserted first: count again).
 */
export class MongoLoginThrottleStore extends LoginThrottleStore {
  constructor(private readonly counters: Model<LoginCounter>) {
    super();
  }

  async hit(key: string, windowMs: number, now: Date): Promise<ThrottleCounter> {
    const windowEnds = new Date(now.getTime() + windowMs);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const counted = await this.counters
        .findOneAndUpdate({ _id: key, window_ends: trusted({ $gt: now }) }, { $inc: { count: 1 } }, { returnDocument: 'after' })
        .lean<LoginCounter>();
      if (counted) return toCounter(counted);
      const restarted = await this.counters
        .findOneAndUpdate(
          { _id: key, window_ends: trusted({ $lte: now }) },
          { $set: { count: 1, window_ends: windowEnds } },
          { returnDocument: 'after' },
        )
        .lean<LoginCounter>();
      if (restarted) return toCounter(restarted);
      try {
        await this.counters.create({ _id: key, count: 1, window_ends: windowEnds });
        return { count: 1, windowEndsAt: windowEnds };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    throw new Error(`Login throttle counter ${key} kept changing under contention`);
  }

  async reset(key: string): Promise<void> {
    await this.counters.deleteOne({ _id: key });
  }

  async sweep(now: Date): Promise<number> {
    const { deletedCount } = await this.counters.deleteMany({ window_ends: trusted({ $lte: now }) });
    return deletedCount;
  }
}

function toCounter(record: LoginCounter): ThrottleCounter {
  return { count: record.count, windowEndsAt: record.window_ends };
}
