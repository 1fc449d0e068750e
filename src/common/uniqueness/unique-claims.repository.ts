import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-errors.js';
import type { ObjectId } from '../database/object-id.js';
import { UniqueClaim } from './unique-claim.schema.js';

/** What must be unique across the service: an organization's slug, an account's email. */
export type UniqueKind = 'org' | 'email';

/** A claim as stored, with its key taken apart. */
export interface StoredClaim {
  /** The claim's `_id`, unique per kind and value. */
  key: string;
  kind: UniqueKind;
  value: string;
  ownerId: ObjectId;
  claimedAt: Date;
}

/** The one place that knows how a kind and a value make a claim's `_id`. */
export const claimKey = (kind: UniqueKind, value: string): string => `${kind}:${value}`;

function toStoredClaim(claim: UniqueClaim): StoredClaim {
  const separator = claim._id.indexOf(':');
  return {
    key: claim._id,
    kind: claim._id.slice(0, separator) as UniqueKind,
    value: claim._id.slice(separator + 1),
    ownerId: claim.owner_id,
    claimedAt: claim.claimed_at,
  };
}

/** The `unique_claims` collection: values taken by inserting their key, released by deleting it. */
@Injectable()
export class UniqueClaimsRepository {
  constructor(@InjectModel(UniqueClaim.name) private readonly claims: Model<UniqueClaim>) {}

  /** True when the value is now owned by `ownerId` (also when it already was: a repeated step). */
  async claim(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    if (await this.claimUnheld(kind, value, ownerId)) return true;
    return (await this.ownerOf(kind, value))?.equals(ownerId) ?? false;
  }

  /**
   * True only when this call took the value. A change of a value its owner already has (a rename
   * back to the name a finishing rename is about to release, say) must not ride on that claim.
   */
  async claimUnheld(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    try {
      await this.claims.create({ _id: claimKey(kind, value), owner_id: ownerId, claimed_at: new Date() });
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return false;
    }
  }

  /** Who owns the value, read by `_id` (a primary-key read on every server). */
  async ownerOf(kind: UniqueKind, value: string): Promise<ObjectId | null> {
    const claim = await this.claims.findById(claimKey(kind, value), { _id: 0, owner_id: 1 }).lean<{ owner_id: ObjectId }>();
    return claim?.owner_id ?? null;
  }

  /** Releases the value only if `ownerId` still owns it. */
  async release(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<void> {
    await this.claims.deleteOne({ _id: claimKey(kind, value), owner_id: ownerId });
  }

  /** Releases every value owned by any of the owners. */
  async releaseOwnedBy(ownerIds: ObjectId[]): Promise<void> {
    await this.claims.deleteMany({ owner_id: trusted({ $in: ownerIds }) });
  }

  /**
   * A page of the claims taken before the cutoff: oldest first after `after` (the previous page's
   * last claim), or the newest ones.
   */
  async findClaimedBefore(cutoff: Date, limit: number, page: { after?: StoredClaim; newestFirst?: boolean } = {}): Promise<StoredClaim[]> {
    const { after, newestFirst = false } = page;
    const filter: Record<string, unknown> = { claimed_at: trusted({ $lt: cutoff }) };
    if (after) {
      filter.$or = [{ claimed_at: trusted({ $gt: after.claimedAt }) }, { claimed_at: after.claimedAt, _id: trusted({ $gt: after.key }) }];
    }
    const direction = newestFirst ? -1 : 1;
    const claims = await this.claims.find(filter).sort({ claimed_at: direction, _id: direction }).limit(limit).lean<UniqueClaim[]>();
    return claims.map(toStoredClaim);
  }

  /** Deletes the claim only as it was read: an owner that claimed the value again since keeps it. */
  async releaseExactly(claim: StoredClaim): Promise<void> {
    await this.claims.deleteOne({ _id: claim.key, owner_id: claim.ownerId, claimed_at: claim.claimedAt });
  }
}
