import { Injectable } from '@nestjs/common';
import { ExpiringCache } from '../cache/expiring-cache.js';
import type { ObjectId } from '../database/object-id.js';
import { claimKey, UniqueClaimsRepository, UniqueKind } from './unique-claims.repository.js';

/** How long a value's last seen owner is tried first. Hits are verified, so this only limits memory turnover. */
const RECENT_OWNER_TTL_MS = 60_000;
const RECENT_OWNER_ENTRIES = 10_000;

/** Finds who holds a unique value: through its claim, or its last seen owner when that still holds it. */
@Injectable()
export class UniqueValueLookup {
  private readonly recentOwners = new ExpiringCache<ObjectId>({ ttlMs: RECENT_OWNER_TTL_MS, maxEntries: RECENT_OWNER_ENTRIES });

  constructor(private readonly claims: UniqueClaimsRepository) {}

  /**
   * The document that holds the value now, or null. The owner seen last time is loaded first and
   * accepted only if `holds` confirms that its document, as stored now, has the value; otherwise
   * the claim is read as usual. The owner's own document is the authority, so a hit is never stale,
   * and it costs one primary-key read instead of two.
   */
  async findHolder<T>(
    kind: UniqueKind,
    value: string,
    load: (ownerId: ObjectId) => Promise<T | null>,
    holds: (document: T) => boolean,
  ): Promise<T | null> {
    const key = claimKey(kind, value);
    const recentOwner = this.recentOwners.peek(key);
    if (recentOwner) {
      const document = await load(recentOwner);
      if (document && holds(document)) return document;
      this.recentOwners.invalidate(key);
    }
    const ownerId = await this.claims.ownerOf(kind, value);
    const document = ownerId ? await load(ownerId) : null;
    if (!ownerId || !document || !holds(document)) return null;
    this.recentOwners.set(key, ownerId);
    return document;
  }
}
