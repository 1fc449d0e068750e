import { Injectable } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { InvalidTokenError } from '../common/access/access.errors.js';
import { type AuthenticatedAccount, tokenMembershipOf } from '../common/access/authenticated-member.js';
import { InvalidInputError } from '../common/errors/domain.error.js';
import { toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import { AccessTokens } from '../tokens/access-tokens.service.js';
import type { AccountViewDto, UpdateAccountDto, UpdatedAccountDto } from './dto/me.dto.js';

/** A person's own account: reading it, changing its credentials, deleting it. */
@Injectable()
export class MeService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly tokens: AccessTokens,
  ) {}

  async get(caller: AuthenticatedAccount): Promise<AccountViewDto> {
    return toAccountView(await this.currentAccount(caller));
  }

  /** Like PUT /org/update's credential fields: all earlier tokens of the account get 401. */
  async update(caller: AuthenticatedAccount, changes: UpdateAccountDto, origin: RequestOrigin): Promise<UpdatedAccountDto> {
    const { email, password } = changes;
    if (email === undefined && password === undefined) throw new InvalidInputError('Provide at least one of email, password');
    if (password !== undefined) this.hasher.assertAcceptable(password);
    const account = await this.currentAccount(caller);
    let version = account.credential_version;
    if (password !== undefined || (email !== undefined && email !== account.email)) {
      const credentialChanges = {
        account_id: account._id,
        ...(email !== undefined && email !== account.email ? { email } : {}),
        ...(password !== undefined ? { password_hash: await this.hasher.hash(password) } : {}),
        credential_version: account.credential_version + 1,
      };
      const orgIds = await this.memberships.orgIdsOf(account._id);
      await this.accounts.changeCredentials(credentialChanges, account.email, { by: caller.actor, origin, orgIds });
      version = credentialChanges.credential_version;
    }
    const token = await this.tokens.issue({ _id: account._id, credential_version: version }, tokenMembershipOf(caller));
    const stored = await this.accounts.findById(account._id);
    return { ...toAccountView(stored ?? account), access_token: token.access_token };
  }

  /**
   * Deletes the account and all its memberships: 409 while it is the last owner of an
   * organization (checked under each such organization's owners ticket, like a demotion).
   */
  async delete(caller: AuthenticatedAccount, origin: RequestOrigin): Promise<void> {
    const account = await this.currentAccount(caller);
    const owned = await this.memberships.ownedOrgIds(account._id);
    await this.memberships.whileAnotherOwnerRemains(owned, account._id, async () => {
      for (const orgId of await this.memberships.orgIdsOf(account._id)) {
        await this.audit.record({
          orgId,
          action: AuditAction.MemberRemoved,
          actor: caller.actor,
          target: { type: 'member', id: account._id.toHexString(), email: account.email },
          origin,
          details: { left: true, account_deleted: true },
        });
        await this.memberships.leave(orgId, account._id);
      }
      await this.accounts.remove(account);
    });
  }

  /** The caller's account as stored; a token whose credentials changed since is no longer valid. */
  private async currentAccount(caller: AuthenticatedAccount) {
    const account = await this.accounts.findById(toObjectId(caller.account.accountId));
    if (!account || account.credential_version !== caller.account.credentialVersion) throw new InvalidTokenError();
    return account;
  }
}

function toAccountView(account: { _id: { toHexString(): string }; email: string; created_at: Date; updated_at: Date }): AccountViewDto {
  return { id: account._id.toHexString(), email: account.email, created_at: account.created_at, updated_at: account.updated_at };
}
