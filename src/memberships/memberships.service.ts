import { Injectable } from '@nestjs/common';
import type { MemberRole } from '../common/access/member-role.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import type { ObjectId } from '../common/database/object-id.js';
import { ExclusiveKeys } from '../common/locks/lock-keys.js';
import { Locks } from '../common/locks/locks.service.js';
import { LastOwnerError, OwnersBusyError } from './members.errors.js';
import type { MembershipRecord } from './persistence/membership.schema.js';
import { type MembershipInsert, MembershipsRepository, type MembershipStanding } from './persistence/memberships.repository.js';

export type { MembershipInsert, MembershipStanding } from './persistence/memberships.repository.js';
export type { MembershipRecord } from './persistence/membership.schema.js';

/** Enough for every membership active within the staleness bound on a busy instance. */
const ROLE_CACHE_ENTRIES = 10_000;

/**
 * Who belongs to which organization with which role: what the other modules ask of memberships.
 * The role every authenticated request checks is kept close, like credential states.
 */
@Injectable()
export class MembershipsService {
  private readonly standings = new ExpiringCache<MembershipStanding>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: ROLE_CACHE_ENTRIES,
  });

  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly locks: Locks,
  ) {}

  async join(membership: { _id: ObjectId; org_id: ObjectId; account_id: ObjectId; role: MemberRole }): Promise<MembershipInsert> {
    const outcome = await this.memberships.insert(membership);
    this.forget(membership.org_id, membership.account_id);
    return outcome;
  }

  findById(membershipId: ObjectId): Promise<MembershipRecord | null> {
    return this.memberships.findById(membershipId);
  }

  find(orgId: ObjectId, accountId: ObjectId): Promise<MembershipRecord | null> {
    return this.memberships.find(orgId, accountId);
  }

  /** The account's membership in the organization now (its id and role, within the staleness bound), or null when it is not a member. */
  standing(orgId: string, accountId: string): Promise<MembershipStanding | null> {
    return this.standings.getOrLoad(`${orgId}:${accountId}`, () => this.memberships.standing(orgId, accountId));
  }

  /** The account's memberships in organization-id order, `limit` of them after the cursor. */
  pageOfAccount(accountId: ObjectId, afterOrg: ObjectId | undefined, limit: number): Promise<MembershipRecord[]> {
    return this.memberships.pageOfAccount(accountId, afterOrg, limit);
  }

  orgIdsOf(accountId: ObjectId): Promise<ObjectId[]> {
    return this.memberships.orgIdsOfAccount(accountId);
  }

  countInOrganization(orgId: ObjectId): Promise<number> {
    return this.memberships.countInOrganization(orgId);
  }

  /** Members of each of the organizations, by hex id (0 for one without any). */
  async countByOrganization(orgIds: ObjectId[]): Promise<Map<string, number>> {
    const counts = orgIds.length === 0 ? new Map<string, number>() : await this.memberships.countByOrganization(orgIds);
    return new Map(orgIds.map((orgId) => [orgId.toHexString(), counts.get(orgId.toHexString()) ?? 0]));
  }

  async leave(orgId: ObjectId, accountId: ObjectId): Promise<void> {
    await this.memberships.delete(orgId, accountId);
    this.forget(orgId, accountId);
  }

  async removeAll(orgId: ObjectId): Promise<void> {
    await this.memberships.deleteByOrganization(orgId);
    // Which accounts those were is not known here; deletes are rare enough to forget them all.
    this.standings.invalidate();
  }

  /**
   * Runs `change`, which takes `owner` away from `accountId` in each of the organizations, only
   * while holding each one's owners ticket and while another owner remains in each: of two owners
   * demoting or removing each other at once, exactly one succeeds. FerretDB does not isolate
   * concurrent conditional updates; an insert of one ticket it does.
   */
  async whileAnotherOwnerRemains<T>(orgIds: ObjectId[], accountId: ObjectId, change: () => Promise<T>): Promise<T> {
    return this.locks.runExclusiveAll(
      orgIds.map((orgId) => ExclusiveKeys.owners(orgId)),
      async () => {
        for (const orgId of orgIds) await this.assertAnotherOwner(orgId, accountId);
        return change();
      },
      () => {
        throw new OwnersBusyError();
      },
    );
  }

  /** The last-owner rule itself: 409 unless an owner other than `accountId` remains. */
  async assertAnotherOwner(orgId: ObjectId, accountId: ObjectId): Promise<void> {
    const owners = await this.memberships.ownerAccountIds(orgId);
    if (!owners.some((id) => !id.equals(accountId))) throw new LastOwnerError();
  }

  /** The organizations where the account is an owner. */
  ownedOrgIds(accountId: ObjectId): Promise<ObjectId[]> {
    return this.memberships.ownedOrgIds(accountId);
  }

  /** Drops what this instance remembers of the membership's role. */
  forget(orgId: ObjectId, accountId: ObjectId): void {
    this.standings.invalidate(`${orgId.toHexString()}:${accountId.toHexString()}`);
  }
}
