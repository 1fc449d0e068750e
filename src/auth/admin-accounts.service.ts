import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
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

/** Admin accounts in the master database. */
@Injectable()
export class AdminAccountsService {
  constructor(@InjectModel(Admin.name) private readonly admins: Model<Admin>) {}

  async create(admin: { _id: Types.ObjectId; org_id: Types.ObjectId; email: string; password_hash: string }): Promise<void> {
    await this.admins.create({ ...admin, credential_version: 1 });
  }

  findByEmail(email: string): Promise<AdminRecord | null> {
    return this.admins.findOne({ email }, { org_id: 1, email: 1, password_hash: 1, credential_version: 1 }).lean<AdminRecord>();
  }

  findById(adminId: Types.ObjectId): Promise<AdminRecord | null> {
    return this.admins.findById(adminId, { org_id: 1, email: 1, password_hash: 1, credential_version: 1 }).lean<AdminRecord>();
  }

  /** What a token's claims are checked against on every authenticated request. */
  credentialState(adminId: string): Promise<CredentialState | null> {
    return this.admins.findById(adminId, { _id: 0, org_id: 1, credential_version: 1 }).lean<CredentialState>();
  }

  /** Idempotent: sets the target values, so a repeat after a crash changes nothing more. */
  async applyChanges(adminId: Types.ObjectId, changes: AdminCredentialChanges): Promise<void> {
    await this.admins.updateOne({ _id: adminId }, { $set: { ...changes } });
  }

  /** Applies the changes only if no other change happened since `expectedVersion`. */
  async applyChangesIfVersion(adminId: Types.ObjectId, expectedVersion: number, changes: AdminCredentialChanges): Promise<boolean> {
    const result = await this.admins.updateOne({ _id: adminId, credential_version: expectedVersion }, { $set: { ...changes } });
    return result.matchedCount === 1;
  }

  async deleteByOrganization(orgId: Types.ObjectId): Promise<void> {
    await this.admins.deleteMany({ org_id: orgId });
  }

  async deleteById(adminId: Types.ObjectId): Promise<void> {
    await this.admins.deleteOne({ _id: adminId });
  }
}
