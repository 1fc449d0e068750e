import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { MemberRole } from '../member-role.js';
import { Member, MemberRecord } from './member.schema.js';

/** Target values of a member's credential change; setting them twice has the effect of once. */
export interface CredentialChanges {
  member_id: ObjectId;
  email?: string;
  password_hash?: string;
  credential_version: number;
}

/** What a token is checked against on every request, and what authorizes it. */
export interface CredentialState {
  org_id: ObjectId;
  email: string;
  role: MemberRole;
  credential_version: number;
}

export type MemberSummary = Pick<MemberRecord, '_id' | 'org_id' | 'email'>;

const PUBLIC_FIELDS = { org_id: 1, email: 1, role: 1, credential_version: 1, created_at: 1, updated_at: 1 } as const;

/** Accounts stored before roles existed are owners. */
function withRole<T extends { role?: MemberRole }>(member: T): T & { role: MemberRole } {
  return { ...member, role: member.role ?? MemberRole.Owner };
}

/** The `members` collection. */
@Injectable()
export class MembersRepository {
  constructor(@InjectModel(Member.name) private readonly members: Model<Member>) {}

  /** False when a member with this `_id` exists already (an accept repeated after a crash). */
  async insert(member: { _id: ObjectId; org_id: ObjectId; email: string; password_hash: string; role: MemberRole }): Promise<boolean> {
    try {
      await this.members.create({ ...member, credential_version: 1 });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** With the password hash, for logins and credential changes. */
  async findById(memberId: ObjectId): Promise<MemberRecord | null> {
    const member = await this.members.findById(memberId).lean<Member & { _id: ObjectId }>();
    return member ? withRole(member) : null;
  }

  /** The member of this organization, without secrets. */
  async findInOrganization(orgId: ObjectId, memberId: ObjectId): Promise<Omit<MemberRecord, 'password_hash'> | null> {
    const member = await this.members.findById(memberId, PUBLIC_FIELDS).lean<Omit<Member, 'password_hash'> & { _id: ObjectId }>();
    return member && member.org_id.equals(orgId) ? withRole(member) : null;
  }

  /** Members of the organization in `_id` order after the cursor, without secrets. */
  async page(orgId: ObjectId, after: ObjectId | undefined, limit: number): Promise<Omit<MemberRecord, 'password_hash'>[]> {
    const filter: Record<string, unknown> = { org_id: orgId };
    if (after) filter._id = trusted({ $gt: after });
    const members = await this.members
      .find(filter, PUBLIC_FIELDS)
      .sort({ _id: 1 })
      .limit(limit)
      .lean<(Omit<Member, 'password_hash'> & { _id: ObjectId })[]>();
    return members.map(withRole);
  }

  findSummaries(memberIds: ObjectId[]): Promise<MemberSummary[]> {
    return this.members.find({ _id: trusted({ $in: memberIds }) }, { org_id: 1, email: 1 }).lean<MemberSummary[]>();
  }

  async idsInOrganization(orgId: ObjectId): Promise<ObjectId[]> {
    const members = await this.members.find({ org_id: orgId }, { _id: 1 }).lean<{ _id: ObjectId }[]>();
    return members.map(({ _id }) => _id);
  }

  /** The organization's owners (members without a role count as owners). */
  async ownerIds(orgId: ObjectId): Promise<ObjectId[]> {
    const members = await this.members.find({ org_id: orgId }, { _id: 1, role: 1 }).lean<{ _id: ObjectId; role?: MemberRole }[]>();
    return members.filter((member) => withRole(member).role === MemberRole.Owner).map(({ _id }) => _id);
  }

  async findCredentialState(memberId: string): Promise<CredentialState | null> {
    const state = await this.members
      .findById(memberId, { _id: 0, org_id: 1, email: 1, role: 1, credential_version: 1 })
      .lean<Omit<CredentialState, 'role'> & { role?: MemberRole }>();
    return state ? withRole(state) : null;
  }

  /** Idempotent: sets the target values, so a repeat after a crash changes nothing more. */
  async applyChanges(changes: CredentialChanges): Promise<void> {
    const { member_id, ...values } = changes;
    await this.members.updateOne({ _id: member_id }, { $set: values });
  }

  /** Applies the changes only if no other change happened since `expectedVersion`. */
  async applyChangesIfVersion(expectedVersion: number, changes: CredentialChanges): Promise<boolean> {
    const { member_id, ...values } = changes;
    const result = await this.members.updateOne({ _id: member_id, credential_version: expectedVersion }, { $set: values });
    return result.matchedCount === 1;
  }

  /** The member as written, or null when it is not in the organization. */
  async setRole(orgId: ObjectId, memberId: ObjectId, role: MemberRole): Promise<Omit<MemberRecord, 'password_hash'> | null> {
    // No projection: FerretDB refuses findAndModify with one.
    const member = await this.members
      .findOneAndUpdate({ _id: memberId, org_id: orgId }, { $set: { role } }, { returnDocument: 'after' })
      .lean<Member & { _id: ObjectId }>();
    if (!member) return null;
    const { password_hash: _secret, ...visible } = member;
    return withRole(visible);
  }

  async delete(orgId: ObjectId, memberId: ObjectId): Promise<void> {
    await this.members.deleteOne({ _id: memberId, org_id: orgId });
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.members.deleteMany({ org_id: orgId });
  }
}
