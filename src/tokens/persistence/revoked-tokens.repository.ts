import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import { RevokedToken } from './revoked-token.schema.js';

/** The `revoked_tokens` collection. */
@Injectable()
export class RevokedTokensRepository {
  constructor(@InjectModel(RevokedToken.name) private readonly revoked: Model<RevokedToken>) {}

  /** Idempotent: revoking a token twice keeps one document. */
  async insert(tokenId: string, expiresAt: Date): Promise<void> {
    try {
      await this.revoked.create({ _id: tokenId, expires_at: expiresAt });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  async exists(tokenId: string): Promise<boolean> {
    return (await this.revoked.exists({ _id: tokenId })) !== null;
  }

  async deleteExpired(now: Date): Promise<number> {
    const { deletedCount } = await this.revoked.deleteMany({ expires_at: trusted({ $lte: now }) });
    return deletedCount;
  }
}
