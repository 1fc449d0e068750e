import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { UniqueClaim } from './schemas/unique-claim.schema.js';

/** A unique organization slug, a unique admin email, or the right to one lifecycle transition. */
export type ClaimKind = 'org' | 'email' | 'transition';

export const claimKey = (kind: ClaimKind, value: string) => `${kind}:${value}`;

const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/** Takes and releases unique values by inserting and deleting claim documents. */
@Injectable()
export class UniqueClaimService {
  constructor(@InjectModel(UniqueClaim.name) private readonly claims: Model<UniqueClaim>) {}

  /** True when the value is now owned by `ownerId` (also when it already was). */
  async claim(kind: ClaimKind, value: string, ownerId: Types.ObjectId): Promise<boolean> {
    const _id = claimKey(kind, value);
    try {
      await this.claims.create({ _id, owner_id: ownerId, claimed_at: new Date() });
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.claims.findById(_id, { owner_id: 1 }).lean();
      return existing?.owner_id.equals(ownerId) ?? false;
    }
  }

  /**
   * Who owns the value, read by `_id`. Doubles as the lookup path for slugs and emails: every
   * MongoDB-compatible server answers an `_id` lookup from its primary key (FerretDB's SQLite
   * backend pushes down only `_id` filters and scans the collection for any other field).
   */
  async ownerOf(kind: ClaimKind, value: string): Promise<Types.ObjectId | null> {
    const claim = await this.claims.findById(claimKey(kind, value), { _id: 0, owner_id: 1 }).lean<{ owner_id: Types.ObjectId }>();
    return claim?.owner_id ?? null;
  }

  /** Releases the value only if `ownerId` still owns it. */
  async release(kind: ClaimKind, value: string, ownerId: Types.ObjectId): Promise<void> {
    await this.claims.deleteOne({ _id: claimKey(kind, value), owner_id: ownerId });
  }

  /** Releases every value owned by any of the owners. */
  async releaseOwnedBy(ownerIds: Types.ObjectId[]): Promise<void> {
    await this.claims.deleteMany({ owner_id: trusted({ $in: ownerIds }) });
  }

  /**
   * A page of the claims taken before the cutoff, for the reconciler to check against their
   * owners: oldest first after `after` (the previous page's last claim), or the newest ones.
   */
  async findClaimedBefore(cutoff: Date, limit: number, page: { after?: UniqueClaim; newestFirst?: boolean } = {}): Promise<UniqueClaim[]> {
    const { after, newestFirst = false } = page;
    const filter: Record<string, unknown> = { claimed_at: trusted({ $lt: cutoff }) };
    if (after) {
      filter.$or = [{ claimed_at: trusted({ $gt: after.claimed_at }) }, { claimed_at: after.claimed_at, _id: trusted({ $gt: after._id }) }];
    }
    const direction = newestFirst ? -1 : 1;
    return this.claims.find(filter).sort({ claimed_at: direction, _id: direction }).limit(limit).lean();
  }

  /** Releases every claim of the kind taken before the cutoff; returns how many. */
  async releaseKindClaimedBefore(kind: ClaimKind, cutoff: Date): Promise<number> {
    const { deletedCount } = await this.claims.deleteMany({
      _id: trusted({ $regex: `^${kind}:` }),
      claimed_at: trusted({ $lt: cutoff }),
    });
    return deletedCount;
  }

  async deleteExact(claim: UniqueClaim): Promise<void> {
    await this.claims.deleteOne({ _id: claim._id, owner_id: claim.owner_id, claimed_at: claim.claimed_at });
  }
}
