import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { Actor } from '../common/access/authenticated-member.js';
import { CROSS_INSTANCE_STALENESS_MS, ExpiringCache } from '../common/cache/expiring-cache.js';
import type { ObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { ExclusiveKeys } from '../common/locks/lock-keys.js';
import { Locks } from '../common/locks/locks.service.js';
import { UniqueClaimsRepository } from '../common/uniqueness/unique-claims.repository.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import { CredentialsBusyError, EmailTakenError } from './accounts.errors.js';
import type { AccountRecord } from './persistence/account.schema.js';
import {
  type AccountSummary,
  AccountsRepository,
  type CredentialChanges,
  type CredentialState,
} from './persistence/accounts.repository.js';

export type { AccountSummary, CredentialChanges, CredentialState } from './persistence/accounts.repository.js';
export type { AccountRecord } from './persistence/account.schema.js';

/** Enough for every account active within the staleness bound on a busy instance. */
const CREDENTIAL_CACHE_ENTRIES = 10_000;

/** Who asked for a change, from where, and which organizations' logs record it. */
export interface AccountChangeRequest {
  by: Actor | null;
  origin: RequestOrigin;
  /** The account's organizations: a change to the account is recorded in each of their logs. */
  orgIds: ObjectId[];
}

/** Accounts (people), with the credential state every authenticated request checks kept close. */
@Injectable()
export class AccountsService {
  /**
   * Credential states (email, credential version) recently read, so that an authenticated request
   * does not cost a database round trip. Every change below invalidates it; other instances see a
   * change within CROSS_INSTANCE_STALENESS_MS.
   */
  private readonly credentialStates = new ExpiringCache<CredentialState>({
    ttlMs: CROSS_INSTANCE_STALENESS_MS,
    maxEntries: CREDENTIAL_CACHE_ENTRIES,
  });

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly uniqueValues: UniqueValueLookup,
    private readonly uniqueClaims: UniqueClaimsRepository,
    private readonly locks: Locks,
    private readonly audit: AuditLogService,
  ) {}

  /**
   * Claims the email for the new account's `_id`, then inserts it. Repeating it with the same `_id`
   * after a crash finishes it. False when the email belongs to another account.
   */
  async register(account: { _id: ObjectId; email: string; password_hash: string }): Promise<boolean> {
    if (!(await this.uniqueClaims.claim('email', account.email, account._id))) return false;
    await this.accounts.insert(account);
    return true;
  }

  /** Undoes a registration whose account never got to be used (a create or accept that failed). */
  async unregister(account: { _id: ObjectId; email: string }): Promise<void> {
    await this.accounts.delete(account._id);
    this.forget(account._id);
    await this.uniqueClaims.release('email', account.email, account._id);
  }

  /** Through the email's claim (or its last seen owner), then the account by `_id`: primary-key reads on every server. */
  findByEmail(email: string): Promise<AccountRecord | null> {
    // A claim taken for a change still in progress names an account that does not have the email yet.
    return this.uniqueValues.findHolder(
      'email',
      email,
      (accountId) => this.accounts.findById(accountId),
      (account) => account.email === email,
    );
  }

  findById(accountId: ObjectId): Promise<AccountRecord | null> {
    return this.accounts.findById(accountId);
  }

  /** The accounts with these ids that exist, by id (hex). */
  async summaries(accountIds: ObjectId[]): Promise<Map<string, AccountSummary>> {
    if (accountIds.length === 0) return new Map();
    const accounts = await this.accounts.findSummaries(accountIds);
    return new Map(accounts.map((account) => [account._id.toHexString(), account]));
  }

  /** What a token's claims are checked against on every authenticated request. */
  credentialState(accountId: string): Promise<CredentialState | null> {
    return this.credentialStates.getOrLoad(accountId, () => this.accounts.findCredentialState(accountId));
  }

  /** Sets the values unconditionally (logout everywhere moves the version on). */
  async applyChanges(changes: CredentialChanges): Promise<void> {
    await this.accounts.applyChanges(changes);
    this.forget(changes.account_id);
  }

  /**
   * The account's own email and/or password change (or just a new credential version: logout
   * everywhere). The new email is claimed first; `alongside` (another change the same request
   * makes, such as a new spelling of the organization's name) runs next, and the credentials are
   * written last, under the ticket of the version they leave: of two concurrent changes exactly
   * one applies. Anything refused before the write gives the claim back. Recorded in the log of
   * each of the account's organizations.
   */
  async changeCredentials(
    changes: CredentialChanges,
    previousEmail: string,
    request: AccountChangeRequest,
    alongside?: () => Promise<void>,
  ): Promise<void> {
    const accountId = changes.account_id;
    await this.claimNewEmail(changes);
    let applied = false;
    try {
      await alongside?.();
      applied = await this.whileChangingCredentials(changes, () =>
        this.accounts.applyChangesIfVersion(changes.credential_version - 1, changes),
      );
    } finally {
      this.forget(accountId);
      if (!applied && changes.email) await this.uniqueClaims.release('email', changes.email, accountId);
    }
    if (!applied) throw new CredentialsBusyError();
    if (changes.email) await this.uniqueClaims.release('email', previousEmail, accountId);
    if (changes.email !== undefined || changes.password_hash !== undefined) {
      await this.recordCredentialChange(changes, previousEmail, request);
    }
  }

  /** Claims the email the changes give the account: 409 when another account has it, busy when a change of this one holds it. */
  async claimNewEmail(changes: CredentialChanges): Promise<void> {
    const accountId = changes.account_id;
    if (!changes.email || (await this.uniqueClaims.claimUnheld('email', changes.email, accountId))) return;
    if ((await this.uniqueClaims.ownerOf('email', changes.email))?.equals(accountId)) throw new CredentialsBusyError();
    throw new EmailTakenError();
  }

  /**
   * Runs `change` only for the one caller that inserts the ticket of the credential version the
   * changes leave; the others get 409 busy. A crash leaves the ticket for the reconciler; the
   * write itself is conditional on the version, so a late repeat never lands twice.
   */
  async whileChangingCredentials<T>(changes: CredentialChanges, change: () => Promise<T>): Promise<T> {
    return this.locks.runExclusive(ExclusiveKeys.credentials(changes.account_id, changes.credential_version - 1), change, () => {
      throw new CredentialsBusyError();
    });
  }

  /**
   * Writes changes a rename carried, once: only over the version they leave, so a concurrent
   * change that won since is never overwritten. True when the account now has them.
   */
  async applyChangesOnce(changes: CredentialChanges): Promise<boolean> {
    const applied = await this.accounts.applyChangesIfVersion(changes.credential_version - 1, changes);
    this.forget(changes.account_id);
    if (applied) return true;
    return (await this.accounts.findCredentialState(changes.account_id.toHexString()))?.credential_version === changes.credential_version;
  }

  /** Records a credential change once per organization (recovery of a rename may record it again). */
  async recordCredentialChange(changes: CredentialChanges, previousEmail: string, request: AccountChangeRequest): Promise<void> {
    const accountId = changes.account_id.toHexString();
    for (const orgId of request.orgIds) {
      await this.audit.record({
        orgId,
        action: AuditAction.MemberCredentialsChanged,
        actor: request.by,
        target: { type: 'member', id: accountId, email: changes.email ?? previousEmail },
        origin: request.origin,
        details: { email_changed: changes.email !== undefined, password_changed: changes.password_hash !== undefined },
        onceKey: `${AuditAction.MemberCredentialsChanged}:${orgId.toHexString()}:${accountId}:cv${changes.credential_version}`,
      });
    }
  }

  /** Deletes the account and frees its email; its memberships must be gone already. */
  async remove(account: { _id: ObjectId; email: string }): Promise<void> {
    await this.unregister(account);
  }

  /** Drops what this instance remembers of the account's credentials. */
  forget(accountId: ObjectId): void {
    this.credentialStates.invalidate(accountId.toHexString());
  }
}
