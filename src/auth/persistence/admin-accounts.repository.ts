import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import type { ObjectId } from '../../common/database/object-id.js';
import { Admin, AdminRecord } from './admin.schema.js';

/** Target values of a credential change; setting them twice has the effect of once. */
export interface AdminCredentialChanges {
  email?: string;
  password_hash?: string;
  credential_version: number;
}

/** What a token's claims are checked against. */
export interface CredentialState {
  org_id: ObjectId;
  credential_version: number;
}

export type AdminSummary = Pick<AdminRecord, '_id' | 'org_id' | 'email'>;

/** The `admins` collection. */
@Injectable()
export class AdminAccountsRepository {
  constructor(@InjectModel(Admin.name) private readonly admins: Model<Admin>) {}

  async insert(admin: { _id: ObjectId; org_id: ObjectId; email: string; password_hash: string }): Promise<void> {
    await this.admins.create({ ...admin, credential_version: 1 });
  }

  findById(adminId: ObjectId): Promise<AdminRecord | null> {
    return this.admins.findById(adminId, { org_id: 1, email: 1, password_hash: 1, credential_version: 1 }).lean<AdminRecord>();
  }

  findSummaries(adminIds: ObjectId[]): Promise<AdminSummary[]> {
    return this.admins.find({ _id: trusted({ $in: adminIds }) }, { org_id: 1, email: 1 }).lean<AdminSummary[]>();
  }

  findCredentialState(adminId: string): Promise<CredentialState | null> {
    return this.admins.findById(adminId, { _id: 0, org_id: 1, credential_version: 1 }).lean<CredentialState>();
  }

  /** Idempotent: sets the target values, so a repeat after a crash changes nothing more. */
  async applyChanges(adminId: ObjectId, changes: AdminCredentialChanges): Promise<void> {
    await this.admins.updateOne({ _id: adminId }, { $set: { ...changes } });
  }

  /** Applies the changes only if no other change happened since `expectedVersion`. */
  async applyChangesIfVersion(adminId: ObjectId, expectedVersion: number, changes: AdminCredentialChanges): Promise<boolean> {
    const result = await this.admins.updateOne({ _id: adminId, credential_version: expectedVersion }, { $set: { ...changes } });
    return result.matchedCount === 1;
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    await this.admins.deleteMany({ org_id: orgId });
  }
}
