import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import { UniqueClaimService } from '../common/claims/unique-claim.service.js';
import { Admin, AdminRecord } from './schemas/admin.schema.js';

/** Target values of a credential change; setting them twice has the effect of once. */
export interface AdminCredentialChanges {
  email?: string;
  password_hash?: string;
  credential_version: number;
}

export interface CredentialState {
  org_id: Types.ObjectId;
  credential_version: number;
}

/** Enough for every admin active within the staleness bound on a busy instance; ~100 bytes each. */
const CREDENTIAL_CACHE_ENTRIES = 10_000;

/** Admin accounts in the master database. */
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
    @InjectModel(Admin.name) private readonly admins: Model<Admin>,
    private readonly claims: UniqueClaimService,
  ) {}

  async create(admin: { _id: Types.ObjectId; org_id: Types.ObjectId; email: string; password_hash: string }): Promise<void> {
    await this.admins.create({ ...admin, credential_version: 1 });
  }

  /** Through the email's claim (or its last seen owner), then the admin by `_id`: primary-key reads on every server. */
  findByEmail(email: string): Promise<AdminRecord | null> {
    // A claim taken for a change still in progress names an admin that does not have the email yet.
    return this.claims.findHolder('email', email, (adminId) => this.findById(adminId), (admin) => admin.email === email);
  }

  findById(adminId: Types.ObjectId): Promise<AdminRecord | null> {
    return this.admins.findById(adminId, { org_id: 1, email: 1, password_hash: 1, credential_version: 1 }).lean<AdminRecord>();
  }

  /** The admins with these ids that exist, by id (hex). */
  async findByIds(adminIds: Types.ObjectId[]): Promise<Map<string, Pick<AdminRecord, '_id' | 'org_id' | 'email'>>> {
    const admins = await this.admins
      .find({ _id: trusted({ $in: adminIds }) }, { org_id: 1, email: 1 })
      .lean<Pick<AdminRecord, '_id' | 'org_id' | 'email'>[]>();
    return new Map(admins.map((admin) => [admin._id.toHexString(), admin]));
  }

  /** What a token's claims are checked against on every authenticated request. */
  credentialState(adminId: string): Promise<CredentialState | null> {
    return this.credentialStates.getOrLoad(adminId, () =>
      this.admins.findById(adminId, { _id: 0, org_id: 1, credential_version: 1 }).lean<CredentialState>(),
    );
  }

  /** Idempotent: sets the target values, so a repeat after a crash changes nothing more. */
  async applyChanges(adminId: Types.ObjectId, changes: AdminCredentialChanges): Promise<void> {
    await this.admins.updateOne({ _id: adminId }, { $set: { ...changes } });
    this.credentialStates.invalidate(adminId.toHexString());
  }

  /** Applies the changes only if no other change happened since `expectedVersion`. */
  async applyChangesIfVersion(adminId: Types.ObjectId, expectedVersion: number, changes: AdminCredentialChanges): Promise<boolean> {
    const result = await this.admins.updateOne({ _id: adminId, credential_version: expectedVersion }, { $set: { ...changes } });
    this.credentialStates.invalidate(adminId.toHexString());
    return result.matchedCount === 1;
  }

  async deleteByOrganization(orgId: Types.ObjectId): Promise<void> {
    await this.admins.deleteMany({ org_id: orgId });
    // Which admins those were is not known here; deletes are rare enough to forget them all.
    this.credentialStates.invalidate();
  }

  async deleteById(adminId: Types.ObjectId): Promise<void> {
    await this.admins.deleteOne({ _id: adminId });
    this.credentialStates.invalidate(adminId.toHexString());
  }
}
