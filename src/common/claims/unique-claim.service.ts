import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { ExpiringCache } from '../cache/expiring-cache.js';
import { UniqueClaim } from './schemas/unique-claim.schema.js';

/** A unique organization slug, a unique admin email, or the right to one lifecycle transition. */
export type ClaimKind = 'org' | 'email' | 'transition';

export const claimKey = (kind: ClaimKind, value: string) => `${kind}:${value}`;

const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/** How long a value's last seen owner is tried first. Hits are verified, so this only limits memory turnover. */
const RECENT_OWNER_TTL_MS = 60_000;
const RECENT_OWNER_ENTRIES = 10_000;

/** Takes and releases unique values by inserting and deleting claim documents. */
@Injectable()
export class UniqueClaimService {
  private readonly recentOwners = new ExpiringCache<Types.ObjectId>({ ttlMs: RECENT_OWNER_TTL_MS, maxEntries: RECENT_OWNER_ENTRIES });

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
  private async ownerOf(kind: ClaimKind, value: string): Promise<Types.ObjectId | null> {
    const claim = await this.claims.findById(claimKey(kind, value), { _id: 0, owner_id: 1 }).lean<{ owner_id: Types.ObjectId }>();
    return claim?.owner_id ?? null;
  }

  /**
   * The document that holds the value now, or null. The owner seen last time is loaded first and
   * accepted only if `holds` confirms that its document, as stored now, has the value; otherwise
   * the claim is read as usual. The owner's own document is the authority, so a hit is never stale,
   * and it costs one primary-key read instead of two.
   */
  async findHolder<T>(
    kind: ClaimKind,
    value: string,
    load: (ownerId: Types.ObjectId) => Promise<T | null>,
    holds: (document: T) => boolean,
  ): Promise<T | null> {
    const key = claimKey(kind, value);
    const recentOwner = this.recentOwners.peek(key);
    if (recentOwner) {
      const document = await load(recentOwner);
      if (document && holds(document)) return document;
      this.recentOwners.invalidate(key);
    }
    const ownerId = await this.ownerOf(kind, value);
    const document = ownerId ? await load(ownerId) : null;
    if (!ownerId || !document || !holds(document)) return null;
    this.recentOwners.set(key, ownerId);
    return document;
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
