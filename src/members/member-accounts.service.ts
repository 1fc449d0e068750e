import { Injectable } from '@nestjs/common';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import type { ObjectId } from '../common/database/object-id.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import type { MemberRole } from './member-role.js';
import type { MemberRecord } from './persistence/member.schema.js';
import { type CredentialChanges, type CredentialState, type MemberSummary, MembersRepository } from './persistence/members.repository.js';

export type { CredentialChanges, CredentialState } from './persistence/members.repository.js';

/** Enough for every member active within the staleness bound on a busy instance. */
const CREDENTIAL_CACHE_ENTRIES = 10_000;

/** Member accounts, with the credential state every authenticated request checks kept close. */
@Injectable()
export class MemberAccountsService {
  /**
   * Credential states (organization, email, role, credential version) recently read, so that an
   * authenticated request does not cost a database round trip. Every change below invalidates
   * it; other instances see a change within CROSS_INSTANCE_STALENESS_MS.
   */
  private readonly credentialStates = new ExpiringCache<CredentialState>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: CREDENTIAL_CACHE_ENTRIES,
  });

  constructor(
    private readonly members: MembersRepository,
    private readonly uniqueValues: UniqueValueLookup,
  ) {}

  /** False when the member existed already. */
  create(member: { _id: ObjectId; org_id: ObjectId; email: string; password_hash: string; role: MemberRole }): Promise<boolean> {
    return this.members.insert(member);
  }

  /** Through the email's claim (or its last seen owner), then the member by `_id`: primary-key reads on every server. */
  findByEmail(email: string): Promise<MemberRecord | null> {
    // A claim taken for a change still in progress names a member that does not have the email yet.
    return this.uniqueValues.findHolder(
      'email',
      email,
      (memberId) => this.members.findById(memberId),
      (member) => member.email === email,
    );
  }

  findById(memberId: ObjectId): Promise<MemberRecord | null> {
    return this.members.findById(memberId);
  }

  /** The members with these ids that exist, by id (hex). */
  async findByIds(memberIds: ObjectId[]): Promise<Map<string, MemberSummary>> {
    const members = await this.members.findSummaries(memberIds);
    return new Map(members.map((member) => [member._id.toHexString(), member]));
  }

  /** What a token's claims are checked against on every authenticated request. */
  credentialState(memberId: string): Promise<CredentialState | null> {
    return this.credentialStates.getOrLoad(memberId, () => this.members.findCredentialState(memberId));
  }

  async applyChanges(changes: CredentialChanges): Promise<void> {
    await this.members.applyChanges(changes);
    this.forget(changes.member_id);
  }

  async applyChangesIfVersion(expectedVersion: number, changes: CredentialChanges): Promise<boolean> {
    const applied = await this.members.applyChangesIfVersion(expectedVersion, changes);
    this.forget(changes.member_id);
    return applied;
  }

  idsInOrganization(orgId: ObjectId): Promise<ObjectId[]> {
    return this.members.idsInOrganization(orgId);
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.members.deleteByOrganization(orgId);
    // Which members those were is not known here; deletes are rare enough to forget them all.
    this.credentialStates.invalidate();
  }

  async delete(orgId: ObjectId, memberId: ObjectId): Promise<void> {
    await this.members.delete(orgId, memberId);
    this.forget(memberId);
  }

  /** Drops what this instance remembers of the member's credentials and role. */
  forget(memberId: ObjectId): void {
    this.credentialStates.invalidate(memberId.toHexString());
  }
}
