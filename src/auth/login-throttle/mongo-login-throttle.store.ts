import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/claims/unique-claim.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { LoginAttempt } from './schemas/login-attempt.schema.js';

/** Indexes of the earlier layout, one `{key, at}` document per attempt, which was counted by scanning. */
const LEGACY_INDEXES = ['key_1_at_1', 'at_1'];
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;

/**
 * Slots in the master database, shared by every instance. A login only inserts new `_id`s and
 * deletes by exact `_id`: FerretDB's SQLite backend answers no other filter without decoding the
 * whole collection, and does not apply concurrent `$inc` or conditional updates of one document
 * atomically, while a duplicate `_id` on insert it does refuse.
 */
export class MongoLoginThrottleStore extends LoginThrottleStore implements OnApplicationBootstrap {
  private readonly logger = new Logger(MongoLoginThrottleStore.name);

  constructor(private readonly attempts: Model<LoginAttempt>) {
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
    const { deletedCount } = await this.attempts.deleteMany({
      // Documents without `expires_at` are attempts of the earlier layout; nothing reads them any more.
      $or: [{ expires_at: trusted({ $lte: now }) }, { expires_at: trusted({ $exists: false }) }],
    });
    return deletedCount;
  }

  /** Drops the earlier layout's indexes, which every insert would otherwise still maintain. */
  async onApplicationBootstrap(): Promise<void> {
    await this.dropLegacyIndexes().catch((error: unknown) =>
      this.logger.warn(`Dropping the old login_attempts indexes failed: ${(error as Error).message}`),
    );
  }

  private async dropLegacyIndexes(): Promise<void> {
    for (const name of LEGACY_INDEXES) {
      await this.attempts.collection.dropIndex(name).catch((error: unknown) => {
        // Never created here, or already dropped by another instance.
        const code = (error as { code?: unknown }).code;
        if (code !== INDEX_NOT_FOUND && code !== NAMESPACE_NOT_FOUND) throw error;
      });
    }
  }
}
