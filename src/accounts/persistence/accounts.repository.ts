import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../../common/database/mongo-errors.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { Account, AccountRecord } from './account.schema.js';

/** Target values of an account's credential change; setting them twice has the effect of once. */
export interface CredentialChanges {
  account_id: ObjectId;
  email?: string;
  password_hash?: string;
  credential_version: number;
}

/** What a token is checked against on every request. */
export type CredentialState = Pick<AccountRecord, 'email' | 'credential_version'>;

export type AccountSummary = Pick<AccountRecord, '_id' | 'email' | 'created_at' | 'updated_at'>;

const SUMMARY_FIELDS = { email: 1, created_at: 1, updated_at: 1 } as const;

/** The `accounts` collection. */
@Injectable()
export class AccountsRepository {
  constructor(@InjectModel(Account.name) private readonly accounts: Model<Account>) {}

  /** False when an account with this `_id` exists already (a step repeated after a crash). */
  async insert(account: { _id: ObjectId; email: string; password_hash: string }): Promise<boolean> {
    try {
      await this.accounts.create({ ...account, credential_version: 1 });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** With the password hash, for logins and credential changes. */
  findById(accountId: ObjectId): Promise<AccountRecord | null> {
    return this.accounts.findById(accountId).lean<AccountRecord>();
  }

  findSummaries(accountIds: ObjectId[]): Promise<AccountSummary[]> {
    return this.accounts.find({ _id: trusted({ $in: accountIds }) }, SUMMARY_FIELDS).lean<AccountSummary[]>();
  }

  /** The driver's own findOne: every authenticated request reads this (through a cache). */
  findCredentialState(accountId: string): Promise<CredentialState | null> {
    return this.accounts.collection.findOne<CredentialState>(
      { _id: toObjectId(accountId) },
      { projection: { _id: 0, email: 1, credential_version: 1 } },
    );
  }

  /** Idempotent: sets the target values, so a repeat after a crash changes nothing more. */
  async applyChanges(changes: CredentialChanges): Promise<void> {
    const { account_id, ...values } = changes;
    await this.accounts.updateOne({ _id: account_id }, { $set: values });
  }

  /** Applies the changes only if no other change happened since `expectedVersion`. */
  async applyChangesIfVersion(expectedVersion: number, changes: CredentialChanges): Promise<boolean> {
    const { account_id, ...values } = changes;
    const result = await this.accounts.updateOne({ _id: account_id, credential_version: expectedVersion }, { $set: values });
    return result.matchedCount === 1;
  }

  async delete(accountId: ObjectId): Promise<void> {
    await this.accounts.deleteOne({ _id: accountId });
  }
}
