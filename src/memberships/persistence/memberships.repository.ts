import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { MemberRole } from '../../common/access/member-role.js';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { Membership, type MembershipRecord } from './membership.schema.js';

/** What a request of a member is checked against: which membership it is, and its role. */
export type MembershipStanding = Pick<MembershipRecord, '_id' | 'role'>;

/** How an insert of a membership went. */
export type MembershipInsert = 'created' | 'repeated' | 'already-member';

/** The `memberships` collection. Every query names the organization or the account. */
@Injectable()
export class MembershipsRepository {
  constructor(@InjectModel(Membership.name) private readonly memberships: Model<Membership>) {}

  /**
   * Inserts the membership; `repeated` when this very membership (same `_id`) exists already (a
   * step repeated after a crash), `already-member` when the account has another one there.
   */
  async insert(membership: { _id: ObjectId; org_id: ObjectId; account_id: ObjectId; role: MemberRole }): Promise<MembershipInsert> {
    try {
      await this.memberships.create(membership);
      return 'created';
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const existing = await this.find(membership.org_id, membership.account_id);
      return existing?._id.equals(membership._id) ? 'repeated' : 'already-member';
    }
  }

  find(orgId: ObjectId, accountId: ObjectId): Promise<MembershipRecord | null> {
    return this.memberships.findOne({ org_id: orgId, account_id: accountId }).lean<MembershipRecord>();
  }

  findById(membershipId: ObjectId): Promise<MembershipRecord | null> {
    return this.memberships.findById(membershipId).lean<MembershipRecord>();
  }

  /** The driver's own findOne: every authenticated request of an organization reads this (through a cache). */
  standing(orgId: string, accountId: string): Promise<MembershipStanding | null> {
    return this.memberships.collection.findOne<MembershipStanding>(
      { org_id: toObjectId(orgId), account_id: toObjectId(accountId) },
      { projection: { _id: 1, role: 1 } },
    );
  }

  /** Members of the organization in account-id order after the cursor. */
  pageOfOrganization(orgId: ObjectId, afterAccount: ObjectId | undefined, limit: number): Promise<MembershipRecord[]> {
    const filter: Record<string, unknown> = { org_id: orgId };
    if (afterAccount) filter.account_id = trusted({ $gt: afterAccount });
    return this.memberships.find(filter).sort({ account_id: 1 }).limit(limit).lean<MembershipRecord[]>();
  }

  /** The account's memberships in organization-id order after the cursor. */
  pageOfAccount(accountId: ObjectId, afterOrg: ObjectId | undefined, limit: number): Promise<MembershipRecord[]> {
    const filter: Record<string, unknown> = { account_id: accountId };
    if (afterOrg) filter.org_id = trusted({ $gt: afterOrg });
    return this.memberships.find(filter).sort({ org_id: 1 }).limit(limit).lean<MembershipRecord[]>();
  }

  async orgIdsOfAccount(accountId: ObjectId): Promise<ObjectId[]> {
    const memberships = await this.memberships.find({ account_id: accountId }, { _id: 0, org_id: 1 }).lean<{ org_id: ObjectId }[]>();
    return memberships.map(({ org_id }) => org_id);
  }

  /** The organizations where the account is an owner. */
  async ownedOrgIds(accountId: ObjectId): Promise<ObjectId[]> {
    const memberships = await this.memberships
      .find({ account_id: accountId }, { _id: 0, org_id: 1, role: 1 })
      .lean<{ org_id: ObjectId; role: MemberRole }[]>();
    return memberships.filter(({ role }) => role === MemberRole.Owner).map(({ org_id }) => org_id);
  }

  async ownerAccountIds(orgId: ObjectId): Promise<ObjectId[]> {
    const memberships = await this.memberships
      .find({ org_id: orgId }, { _id: 0, account_id: 1, role: 1 })
      .lean<{ account_id: ObjectId; role: MemberRole }[]>();
    return memberships.filter(({ role }) => role === MemberRole.Owner).map(({ account_id }) => account_id);
  }

  countInOrganization(orgId: ObjectId): Promise<number> {
    return this.memberships.countDocuments({ org_id: orgId });
  }

  /** Members of each of the organizations (hex id -> count), in one aggregation over `{org_id}`; an organization without any is left out. */
  async countByOrganization(orgIds: ObjectId[]): Promise<Map<string, number>> {
    const counts = await this.memberships.aggregate<{ _id: ObjectId; members: number }>([
      { $match: { org_id: { $in: orgIds } } },
      { $group: { _id: '$org_id', members: { $sum: 1 } } },
    ]);
    return new Map(counts.map(({ _id, members }) => [_id.toHexString(), members]));
  }

  /** The membership as written, or null when the account is not in the organization. */
  setRole(orgId: ObjectId, accountId: ObjectId, role: MemberRole): Promise<MembershipRecord | null> {
    // No projection: FerretDB refuses findAndModify with one.
    return this.memberships
      .findOneAndUpdate({ org_id: orgId, account_id: accountId }, { $set: { role } }, { returnDocument: 'after' })
      .lean<MembershipRecord>();
  }

  async delete(orgId: ObjectId, accountId: ObjectId): Promise<void> {
    await this.memberships.deleteOne({ org_id: orgId, account_id: accountId });
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.memberships.deleteMany({ org_id: orgId });
  }
}
