import { AppConfig } from '../../config/app-config.js';
import type { ObjectId } from '../database/object-id.js';
import type { LeasesRepository } from '../locks/leases.repository.js';
import { Locks } from '../locks/locks.service.js';
import type { StepClaimsRepository } from '../locks/step-claims.repository.js';
import type { TransitionTicketsRepository } from '../locks/transition-tickets.repository.js';
import { claimKey, type StoredClaim, type UniqueClaimsRepository, type UniqueKind } from '../uniqueness/unique-claims.repository.js';

/** The public surface of a class, for fakes that stand in for it. */
export type Surface<T> = { [K in keyof T]: T[K] };

/**
 * A fake where the real class is expected, checked against the class's public surface (the class's
 * private members would otherwise make only its own instances acceptable).
 */
export function standIn<T>(fake: NoInfer<Surface<T>>): T {
  return fake;
}

/**
 * A copy of a stored document, as a read returns it: plain objects and arrays are copied all the
 * way down, ObjectIds and Dates are kept as they are (structuredClone would not keep them).
 */
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => copy(item)) as T;
  if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) result[key] = copy(field);
  return result as T;
}

/** What a duplicate key on a unique index raises, for the writes whose repositories let it through. */
export class DuplicateKeyFault extends Error {
  readonly code = 11000;
  constructor(index: string) {
    super(`E11000 duplicate key error (in memory): ${index}`);
  }
}

/** A configuration for unit tests: a fixed secret, and argon2 at its cheapest settings. */
export const TEST_CONFIG = AppConfig.fromEnvironment({
  NODE_ENV: 'test',
  MONGODB_URI: 'mongodb://127.0.0.1:1/',
  JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789',
  LIFECYCLE_LEASE_SECONDS: '30',
  ARGON2_MEMORY_KIB: '8192',
  ARGON2_TIME_COST: '1',
  HASH_CONCURRENCY: '2',
  HASH_QUEUE_LIMIT: '64',
});

/** `unique_claims` in memory: a value is taken by inserting its key, as in the repository. */
export class InMemoryUniqueClaims implements Surface<UniqueClaimsRepository> {
  readonly claims = new Map<string, StoredClaim>();

  async claim(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    if (await this.claimUnheld(kind, value, ownerId)) return true;
    return (await this.ownerOf(kind, value))?.equals(ownerId) ?? false;
  }

  async claimUnheld(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    const key = claimKey(kind, value);
    if (this.claims.has(key)) return false;
    this.claims.set(key, { key, kind, value, ownerId, claimedAt: new Date() });
    return true;
  }

  async ownerOf(kind: UniqueKind, value: string): Promise<ObjectId | null> {
    return this.claims.get(claimKey(kind, value))?.ownerId ?? null;
  }

  async release(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<void> {
    const key = claimKey(kind, value);
    if (this.claims.get(key)?.ownerId.equals(ownerId)) this.claims.delete(key);
  }

  async releaseOwnedBy(ownerIds: ObjectId[]): Promise<void> {
    for (const [key, claim] of this.claims) if (ownerIds.some((id) => id.equals(claim.ownerId))) this.claims.delete(key);
  }

  async findClaimedBefore(cutoff: Date, limit: number, page: { after?: StoredClaim; newestFirst?: boolean } = {}): Promise<StoredClaim[]> {
    const { after, newestFirst = false } = page;
    const order = (a: StoredClaim, b: StoredClaim) =>
      a.claimedAt.getTime() - b.claimedAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    return [...this.claims.values()]
      .filter((claim) => claim.claimedAt < cutoff && (!after || order(claim, after) > 0))
      .sort((a, b) => (newestFirst ? order(b, a) : order(a, b)))
      .slice(0, limit)
      .map((claim) => ({ ...claim }));
  }

  async releaseExactly(claim: StoredClaim): Promise<void> {
    const stored = this.claims.get(claim.key);
    if (stored?.ownerId.equals(claim.ownerId) && stored.claimedAt.getTime() === claim.claimedAt.getTime()) this.claims.delete(claim.key);
  }

  /** What the claims hold, as `key -> owner id (hex)`. */
  held(): Record<string, string> {
    return Object.fromEntries([...this.claims].map(([key, claim]) => [key, claim.ownerId.toHexString()]));
  }
}

/** `transition_tickets` in memory: only the first insert of a ticket succeeds. */
export class InMemoryTransitionTickets implements Surface<TransitionTicketsRepository> {
  readonly tickets = new Map<string, { holder: string; takenAt: Date }>();

  async take(ticket: string, holder: string): Promise<boolean> {
    if (this.tickets.has(ticket)) return false;
    this.tickets.set(ticket, { holder, takenAt: new Date() });
    return true;
  }

  async release(ticket: string, holder: string): Promise<void> {
    if (this.tickets.get(ticket)?.holder === holder) this.tickets.delete(ticket);
  }

  async findTakenBefore(cutoff: Date): Promise<string[]> {
    return [...this.tickets].filter(([, { takenAt }]) => takenAt < cutoff).map(([ticket]) => ticket);
  }

  async releaseTakenBefore(cutoff: Date): Promise<number> {
    let released = 0;
    for (const [ticket, { takenAt }] of this.tickets) {
      if (takenAt < cutoff) {
        this.tickets.delete(ticket);
        released += 1;
      }
    }
    return released;
  }
}

/** `leases` in memory: a term is taken when the last one ran out or is the holder's own. */
export class InMemoryLeases implements Surface<LeasesRepository> {
  readonly leases = new Map<string, { holder: string; expiresAt: number }>();

  async acquire(name: string, holder: string, seconds: number): Promise<boolean> {
    const current = this.leases.get(name);
    if (current && current.holder !== holder && current.expiresAt > Date.now()) return false;
    this.leases.set(name, { holder, expiresAt: Date.now() + seconds * 1000 });
    return true;
  }

  async release(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }
}

/** `step_claims` in memory. */
export class InMemoryStepClaims implements Surface<StepClaimsRepository> {
  readonly claims = new Map<string, { holder: string; expiresAt: Date }>();

  async insert(key: string, holder: string, expiresAt: Date): Promise<boolean> {
    if (this.claims.has(key)) return false;
    this.claims.set(key, { holder, expiresAt });
    return true;
  }

  async deleteExpired(key: string, now: Date): Promise<boolean> {
    const claim = this.claims.get(key);
    if (!claim || claim.expiresAt >= now) return false;
    return this.claims.delete(key);
  }

  async deleteExpiredBefore(cutoff: Date): Promise<void> {
    for (const [key, { expiresAt }] of this.claims) if (expiresAt < cutoff) this.claims.delete(key);
  }
}

/** The Locks service over in-memory tickets, leases and step claims, for unit specs of services that lock. */
export function inMemoryLocks(
  tickets = new InMemoryTransitionTickets(),
  leases = new InMemoryLeases(),
  steps = new InMemoryStepClaims(),
): Locks {
  return new Locks(standIn(tickets), standIn(leases), standIn(steps));
}
