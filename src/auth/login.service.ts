import { Injectable } from '@nestjs/common';
import { AccountsService, type AccountRecord } from '../accounts/accounts.service.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { AccountSession } from '../common/access/authenticated-member.js';
import { type ObjectId, toObjectId } from '../common/database/object-id.js';
import { DomainError } from '../common/errors/domain.error.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { type MembershipRecord, MembershipsService } from '../memberships/memberships.service.js';
import { isSuspended, OrganizationsService } from '../organizations/organizations.service.js';
import { AccessTokens } from '../tokens/access-tokens.service.js';
import { InvalidCredentialsError, NotAMemberError } from './auth.errors.js';
import type { AccountOrganizationDto, AccountOrganizationPageDto, LoginResponseDto } from './dto/login-response.dto.js';
import { LoginThrottleService } from './login-throttle/login-throttle.service.js';

/** The most memberships a login answer lists; GET /me/organizations pages beyond. */
export const LOGIN_ORGANIZATIONS_LIMIT = 100;

/** Which organization a login asks for, if any. */
export interface OrganizationChoice {
  organization_id?: string;
  organization_name?: string;
}

/** One of the account's memberships, as answered and as a token names it. */
interface Joined {
  view: AccountOrganizationDto;
  membership: Pick<MembershipRecord, '_id' | 'org_id'>;
}

/** Logging in with email and password, and switching an account's token to another organization. */
@Injectable()
export class LoginService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly organizations: OrganizationsService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditLogService,
    private readonly tokens: AccessTokens,
  ) {}

  /**
   * Same status, body and cost whether the email is unknown or the password is wrong. Throttled
   * per client address and per email before anything is looked up or hashed; only failures count.
   * A login of an existing account is audited, failed or not: in the organization it names or is
   * issued for, else in every organization of the account.
   */
  async login(
    email: string,
    password: string,
    choice: OrganizationChoice,
    origin: RequestOrigin & { ip: string },
  ): Promise<LoginResponseDto> {
    const attempt = await this.throttle.beginAttempt(origin.ip, email);
    const { account, valid } = await this.throttle.settle(
      attempt,
      () => this.checkCredentials(email, password),
      (outcome) => outcome.valid,
    );
    if (!account) throw new InvalidCredentialsError();
    const joined = await this.joinedOrganizations(account._id);
    let chosen: Joined | null = null;
    let failure: DomainError | null = valid ? null : new InvalidCredentialsError();
    try {
      chosen = await this.chosenOrganization(choice, joined);
    } catch (error) {
      failure ??= error as DomainError;
    }
    const who = { id: account._id.toHexString(), email: account.email };
    const logs = chosen ? [chosen.membership.org_id] : joined.map(({ membership }) => membership.org_id);
    for (const logOrgId of logs) {
      await this.audit.record({
        orgId: logOrgId,
        action: failure ? AuditAction.LoginFailed : AuditAction.LoginSucceeded,
        actor: failure ? null : { type: 'account', ...who },
        target: { type: 'member', ...who },
        origin,
        details: chosen ? {} : { account_token: !failure },
      });
    }
    if (failure) throw failure;
    return this.answer(account, chosen, joined);
  }

  /** A token of another organization of the caller's account; no password asked. */
  async switchTo(session: AccountSession, organizationId: string): Promise<LoginResponseDto> {
    const accountId = toObjectId(session.accountId);
    const joined = await this.joinedOrganizations(accountId);
    const chosen = await this.chosenOrganization({ organization_id: organizationId }, joined);
    return this.answer({ _id: accountId, credential_version: session.credentialVersion }, chosen, joined);
  }

  /** The account's organizations in id order, a page at a time. */
  async page(accountId: ObjectId, after: ObjectId | undefined, limit: number): Promise<AccountOrganizationPageDto> {
    const { joined, next_cursor } = await this.joinedPage(accountId, after, limit);
    return { items: joined.map(({ view }) => view), next_cursor };
  }

  private async joinedPage(
    accountId: ObjectId,
    after: ObjectId | undefined,
    limit: number,
  ): Promise<{ joined: Joined[]; next_cursor: string | null }> {
    const memberships = await this.memberships.pageOfAccount(accountId, after, limit + 1);
    const page = memberships.slice(0, limit);
    const orgs = await this.organizations.findVisibleByIds(page.map(({ org_id }) => org_id));
    return {
      joined: page.flatMap((membership) => {
        const org = orgs.get(membership.org_id.toHexString());
        return org
          ? [
              {
                view: { id: org._id.toHexString(), organization_name: org.name, role: membership.role, suspended: isSuspended(org) },
                membership,
              },
            ]
          : [];
      }),
      next_cursor: memberships.length > limit ? page[page.length - 1].org_id.toHexString() : null,
    };
  }

  private async answer(
    account: Pick<AccountRecord, '_id' | 'credential_version'>,
    chosen: Joined | null,
    joined: Joined[],
  ): Promise<LoginResponseDto> {
    const token = await this.tokens.issue(account, chosen?.membership ?? null);
    return {
      ...token,
      admin_id: account._id.toHexString(),
      org_id: chosen?.view.id ?? null,
      role: chosen?.view.role ?? null,
      organizations: joined.map(({ view }) => view),
    };
  }

  /** The named organization if the account belongs to it; the only one when none is named; else none (an account token). */
  private async chosenOrganization(choice: OrganizationChoice, joined: Joined[]): Promise<Joined | null> {
    const { organization_id: id, organization_name: name } = choice;
    if (id === undefined && name === undefined) return joined.length === 1 ? joined[0] : null;
    let wanted = id;
    if (name !== undefined) {
      wanted = await this.organizations.findVisibleByName(name).then(
        (org) => org._id.toHexString(),
        () => undefined,
      );
    }
    const found = joined.find(({ view }) => view.id === wanted && (id === undefined || id === wanted));
    if (!found) throw new NotAMemberError();
    return found;
  }

  /** The account with this email and whether the password is its; an unknown email costs a hash all the same. */
  private async checkCredentials(email: string, password: string): Promise<{ account: AccountRecord | null; valid: boolean }> {
    const account = await this.accounts.findByEmail(email);
    const valid = account ? await this.hasher.verify(account.password_hash, password) : await this.hasher.verifyDummy(password);
    return { account, valid };
  }

  private async joinedOrganizations(accountId: ObjectId): Promise<Joined[]> {
    return (await this.joinedPage(accountId, undefined, LOGIN_ORGANIZATIONS_LIMIT)).joined;
  }
}
