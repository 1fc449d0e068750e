import { Injectable } from '@nestjs/common';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import type { ObjectId } from '../common/database/object-id.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import {
  AdminAccountsRepository,
  type AdminCredentialChanges,
  type AdminSummary,
  type CredentialState,
} from './persistence/admin-accounts.repository.js';
import type { AdminRecord } from './persistence/admin.schema.js';

export type { AdminCredentialChanges, CredentialState } from './persistence/admin-accounts.repository.js';

/** Enough for every admin active within the staleness bound on a busy instance. */
const CREDENTIAL_CACHE_ENTRIES = 10_000;

/** Admin accounts, with the credential state every authenticated request checks kept close. */
@Injectable()
export class AdminAccountsService {
  /**
   * Credential states recently read, so that an authenticated request does not cost a database
   * round trip. Every change below invalidates it; other instances see a change within
   * CROSS_INSTANCE_STALENESS_MS.
   */
  private readonly credentialStates = new ExpiringCache<CredentialState>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: CREDENTIAL_CACHE_ENTRIES,
  });

  constructor(
    private readonly admins: AdminAccountsRepository,
    private readonly uniqueValues: UniqueValueLookup,
  ) {}

  create(admin: { _id: ObjectId; org_id: ObjectId; email: string; password_hash: string }): Promise<void> {
    return this.admins.insert(admin);
  }

  /** Through the email's claim (or its last seen owner), then the admin by `_id`: primary-key reads on every server. */
  findByEmail(email: string): Promise<AdminRecord | null> {
    // A claim taken for a change still in progress names an admin that does not have the email yet.
    return this.uniqueValues.findHolder('email', email, (adminId) => this.admins.findById(adminId), (admin) => admin.email === email);
  }

  findById(adminId: ObjectId): Promise<AdminRecord | null> {
    return this.admins.findById(adminId);
  }

  /** The admins with these ids that exist, by id (hex). */
  async findByIds(adminIds: ObjectId[]): Promise<Map<string, AdminSummary>> {
    const admins = await this.admins.findSummaries(adminIds);
    return new Map(admins.map((admin) => [admin._id.toHexString(), admin]));
  }

  /** What a token's claims are checked against on every authenticated request. */
  credentialState(adminId: string): Promise<CredentialState | null> {
    return this.credentialStates.getOrLoad(adminId, () => this.admins.findCredentialState(adminId));
  }

  async applyChanges(adminId: ObjectId, changes: AdminCredentialChanges): Promise<void> {
    await this.admins.applyChanges(adminId, changes);
    this.credentialStates.invalidate(adminId.toHexString());
  }

  async applyChangesIfVersion(adminId: ObjectId, expectedVersion: number, changes: AdminCredentialChanges): Promise<boolean> {
    const applied = await this.admins.applyChangesIfVersion(adminId, expectedVersion, changes);
    this.credentialStates.invalidate(adminId.toHexString());
    return applied;
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.admins.deleteByOrganization(orgId);
    // Which admins those were is not known here; deletes are rare enough to forget them all.
    this.credentialStates.invalidate();
  }
}
