import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-errors.js';
import { StepClaim } from './step-claim.schema.js';

/** The `step_claims` collection. */
@Injectable()
export class StepClaimsRepository {
  constructor(@InjectModel(StepClaim.name) private readonly claims: Model<StepClaim>) {}

  /** True for the one caller whose insert of the claim succeeds. */
  async insert(key: string, holder: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.claims.collection.insertOne({ _id: key, holder, expires_at: expiresAt } as never);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Deletes the claim if it ran out before `now`; true when this call deleted it. */
  async deleteExpired(key: string, now: Date): Promise<boolean> {
    const { deletedCount } = await this.claims.deleteOne({ _id: key, expires_at: trusted({ $lt: now }) });
    return deletedCount > 0;
  }

  async deleteExpiredBefore(cutoff: Date): Promise<void> {
    await this.claims.deleteMany({ expires_at: trusted({ $lt: cutoff }) });
  }
}
