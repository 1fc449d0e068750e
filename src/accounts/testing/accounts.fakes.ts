import type { ObjectId } from '../../common/database/object-id.js';
import { copy, DuplicateKeyFault, type Surface } from '../../common/testing/common.fakes.js';
import type { AccountRecord } from '../persistence/account.schema.js';
import type { AccountSummary, AccountsRepository, CredentialChanges, CredentialState } from '../persistence/accounts.repository.js';

/**
 * `accounts` in memory, with the repository's semantics: unique `_id` and email on insert (false
 * when taken), idempotent credential changes, and a change conditional on the credential version.
 */
export class InMemoryAccounts implements Surface<AccountsRepository> {
  readonly documents = new Map<string, AccountRecord>();

  async insert(account: { _id: ObjectId; email: string; password_hash: string }): Promise<boolean> {
    if (this.documents.has(account._id.toHexString()) || this.holderOfEmail(account.email)) return false;
    const now = new Date();
    this.documents.set(account._id.toHexString(), { ...copy(account), credential_version: 1, created_at: now, updated_at: now });
    return true;
  }

  async findById(accountId: ObjectId): Promise<AccountRecord | null> {
    const found = this.documents.get(accountId.toHexString());
    return found ? copy(found) : null;
  }

  async findSummaries(accountIds: ObjectId[]): Promise<AccountSummary[]> {
    return accountIds.flatMap((id) => {
      const account = this.documents.get(id.toHexString());
      return account ? [{ _id: account._id, email: account.email, created_at: account.created_at, updated_at: account.updated_at }] : [];
    });
  }

  async findCredentialState(accountId: string): Promise<CredentialState | null> {
    const account = this.documents.get(accountId);
    return account ? { email: account.email, credential_version: account.credential_version } : null;
  }

  async applyChanges(changes: CredentialChanges): Promise<void> {
    const { account_id, ...values } = changes;
    const account = this.documents.get(account_id.toHexString());
    if (account) this.set(account, values);
  }

  async applyChangesIfVersion(expectedVersion: number, changes: CredentialChanges): Promise<boolean> {
    const { account_id, ...values } = changes;
    const account = this.documents.get(account_id.toHexString());
    if (account?.credential_version !== expectedVersion) return false;
    this.set(account, values);
    return true;
  }

  async delete(accountId: ObjectId): Promise<void> {
    this.documents.delete(accountId.toHexString());
  }

  /** The stored account with this email, if any (a test's view; the service looks emails up through their claims). */
  byEmail(email: string): AccountRecord | undefined {
    const found = this.holderOfEmail(email);
    return found ? copy(found) : undefined;
  }

  private holderOfEmail(email: string): AccountRecord | undefined {
    return [...this.documents.values()].find((account) => account.email === email);
  }

  /** `$set` of the values; the unique email index refuses another account's email, as MongoDB's would. */
  private set(account: AccountRecord, values: Omit<CredentialChanges, 'account_id'>): void {
    const holder = values.email === undefined ? undefined : this.holderOfEmail(values.email);
    if (holder && !holder._id.equals(account._id)) throw new DuplicateKeyFault('accounts.email');
    Object.assign(account, copy(values), { updated_at: new Date() });
  }
}
