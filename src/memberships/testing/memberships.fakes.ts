import { MemberRole } from '../../common/access/member-role.js';
import type { ObjectId } from '../../common/database/object-id.js';
import { copy, type Surface } from '../../common/testing/common.fakes.js';
import type { MembershipRecord } from '../persistence/membership.schema.js';
import type { MembershipInsert, MembershipsRepository, MembershipStanding } from '../persistence/memberships.repository.js';

const byHex = (a: ObjectId, b: ObjectId): number => a.toHexString().localeCompare(b.toHexString());

/**
 * `memberships` in memory, with the repository's semantics: one membership per account and
 * organization, won by insert (`created`, `repeated` for the same `_id`, `already-member` otherwise).
 */
export class InMemoryMemberships implements Surface<MembershipsRepository> {
  readonly documents = new Map<string, MembershipRecord>();

  async insert(membership: { _id: ObjectId; org_id: ObjectId; account_id: ObjectId; role: MemberRole }): Promise<MembershipInsert> {
    // Either unique index (`_id`, `{org_id, account_id}`) refuses the insert; the repository then reads which it was.
    if (this.documents.has(membership._id.toHexString()) || this.stored(membership.org_id, membership.account_id)) {
      return this.stored(membership.org_id, membership.account_id)?._id.equals(membership._id) ? 'repeated' : 'already-member';
    }
    const now = new Date();
    this.documents.set(membership._id.toHexString(), { ...copy(membership), created_at: now, updated_at: now });
    return 'created';
  }

  async find(orgId: ObjectId, accountId: ObjectId): Promise<MembershipRecord | null> {
    const found = this.stored(orgId, accountId);
    return found ? copy(found) : null;
  }

  async findById(membershipId: ObjectId): Promise<MembershipRecord | null> {
    const found = this.documents.get(membershipId.toHexString());
    return found ? copy(found) : null;
  }

  async standing(orgId: string, accountId: string): Promise<MembershipStanding | null> {
    const found = this.all().find((m) => m.org_id.toHexString() === orgId && m.account_id.toHexString() === accountId);
    return found ? { _id: found._id, role: found.role } : null;
  }

  async pageOfOrganization(orgId: ObjectId, afterAccount: ObjectId | undefined, limit: number): Promise<MembershipRecord[]> {
    return this.all()
      .filter((m) => m.org_id.equals(orgId) && (!afterAccount || byHex(m.account_id, afterAccount) > 0))
      .sort((a, b) => byHex(a.account_id, b.account_id))
      .slice(0, limit)
      .map(copy);
  }

  async pageOfAccount(accountId: ObjectId, afterOrg: ObjectId | undefined, limit: number): Promise<MembershipRecord[]> {
    return this.all()
      .filter((m) => m.account_id.equals(accountId) && (!afterOrg || byHex(m.org_id, afterOrg) > 0))
      .sort((a, b) => byHex(a.org_id, b.org_id))
      .slice(0, limit)
      .map(copy);
  }

  async orgIdsOfAccount(accountId: ObjectId): Promise<ObjectId[]> {
    return this.all()
      .filter((m) => m.account_id.equals(accountId))
      .map((m) => m.org_id);
  }

  async ownedOrgIds(accountId: ObjectId): Promise<ObjectId[]> {
    return this.all()
      .filter((m) => m.account_id.equals(accountId) && m.role === MemberRole.Owner)
      .map((m) => m.org_id);
  }

  async ownerAccountIds(orgId: ObjectId): Promise<ObjectId[]> {
    return this.all()
      .filter((m) => m.org_id.equals(orgId) && m.role === MemberRole.Owner)
      .map((m) => m.account_id);
  }

  async countInOrganization(orgId: ObjectId): Promise<number> {
    return this.all().filter((m) => m.org_id.equals(orgId)).length;
  }

  async countByOrganization(orgIds: ObjectId[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { org_id } of this.all().filter((m) => orgIds.some((id) => id.equals(m.org_id)))) {
      counts.set(org_id.toHexString(), (counts.get(org_id.toHexString()) ?? 0) + 1);
    }
    return counts;
  }

  async setRole(orgId: ObjectId, accountId: ObjectId, role: MemberRole): Promise<MembershipRecord | null> {
    const found = this.stored(orgId, accountId);
    if (!found) return null;
    Object.assign(found, { role, updated_at: new Date() });
    return copy(found);
  }

  async delete(orgId: ObjectId, accountId: ObjectId): Promise<void> {
    const found = this.stored(orgId, accountId);
    if (found) this.documents.delete(found._id.toHexString());
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    for (const [id, membership] of this.documents) if (membership.org_id.equals(orgId)) this.documents.delete(id);
  }

  /** The stored memberships of an account or an organization, for assertions. */
  of(filter: { orgId?: ObjectId; accountId?: ObjectId }): MembershipRecord[] {
    return this.all()
      .filter((m) => (!filter.orgId || m.org_id.equals(filter.orgId)) && (!filter.accountId || m.account_id.equals(filter.accountId)))
      .map(copy);
  }

  private all(): MembershipRecord[] {
    return [...this.documents.values()];
  }

  private stored(orgId: ObjectId, accountId: ObjectId): MembershipRecord | undefined {
    return this.all().find((m) => m.org_id.equals(orgId) && m.account_id.equals(accountId));
  }
}
