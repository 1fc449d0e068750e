import { Injectable } from '@nestjs/common';
import { AccountsService, type CredentialChanges } from '../accounts/accounts.service.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';
import { InvalidTokenError, PersonOnlyError } from '../common/access/access.errors.js';
import { type AuthenticatedMember, tokenMembershipOf } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { assertRole } from '../common/access/roles.js';
import { toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import { AccessTokens } from '../tokens/access-tokens.service.js';
import type { UpdatedOrganizationDto } from './dto/organization.view.dto.js';
import type { UpdateOrganizationDto } from './dto/update-organization.dto.js';
import { OrganizationLifecycleService, type RenameOutcome } from './lifecycle/organization-lifecycle.service.js';
import { InvalidOrganizationInputError, OrganizationBusyError } from './organization.errors.js';
import { checkedSlug, OrganizationsService, toView } from './organizations.service.js';
import { OrganizationStatus } from './persistence/organization.schema.js';

/** PUT /org/update: a rename (admin) and/or the caller's own account credentials (any member). */
@Injectable()
export class OrganizationUpdates {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly lifecycle: OrganizationLifecycleService,
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokens,
  ) {}

  async update(caller: AuthenticatedMember, changes: UpdateOrganizationDto, origin: RequestOrigin): Promise<UpdatedOrganizationDto> {
    const { organization_name: newName, email, password } = changes;
    if (newName === undefined && email === undefined && password === undefined) {
      throw new InvalidOrganizationInputError('Provide at least one of organization_name, email, password');
    }
    const newSlug = newName === undefined ? undefined : checkedSlug(newName);
    if (password !== undefined) this.hasher.assertAcceptable(password);
    const session = caller.account;
    // An API key has no account whose credentials it could change.
    if ((email !== undefined || password !== undefined) && !session) throw new PersonOnlyError();

    const org = await this.organizations.findOwnOrganization(caller);
    const renaming = newName !== undefined && newName !== org.name;
    if (renaming) assertRole(caller, MemberRole.Admin);
    // A rename or a delete, or a move of its data, is under way.
    if (org.status !== OrganizationStatus.Active || (renaming && org.move)) throw new OrganizationBusyError();
    let outcome: RenameOutcome = { organization: org, previous_collection: org.collection_name, documents_migrated: 0 };
    let credentialVersion = session?.credentialVersion ?? 0;
    // Nothing to change (the current name, the caller's own email): no more reads, no writes, no ticket.
    const changesCredentials = session !== null && (password !== undefined || (email !== undefined && email !== session.email));
    if (renaming || changesCredentials) {
      const request = { by: caller.actor, origin };
      let credentialChanges: CredentialChanges | undefined;
      if (session && changesCredentials) {
        const account = await this.accounts.findById(toObjectId(session.accountId));
        // A change is authorised by the credentials the token was issued for, not by whatever they became since.
        if (!account || account.credential_version !== session.credentialVersion) throw new InvalidTokenError();
        credentialChanges = {
          account_id: account._id,
          ...(email !== undefined && email !== account.email ? { email } : {}),
          ...(password !== undefined ? { password_hash: await this.hasher.hash(password) } : {}),
          credential_version: account.credential_version + 1,
        };
        credentialVersion = credentialChanges.credential_version;
      }
      if (newSlug !== undefined && newName !== undefined && newSlug !== org.slug) {
        try {
          outcome = await this.lifecycle.rename(org, { name: newName, slug: newSlug }, request, credentialChanges);
        } finally {
          // Requests naming the new slug are answered by it at once here (a rename that failed may have finished elsewhere).
          this.organizations.forgetRemembered(org._id);
        }
      } else {
        const newSpelling = async () => {
          if (renaming) outcome.organization = await this.lifecycle.changeDisplayName(org, newName, request);
        };
        if (credentialChanges && session) {
          // The new spelling is written between the email's claim and the credentials, so a refusal of either changes nothing.
          const orgIds = await this.memberships.orgIdsOf(credentialChanges.account_id);
          await this.accounts.changeCredentials(credentialChanges, session.email, { ...request, orgIds }, newSpelling);
        } else {
          await newSpelling();
        }
      }
    }
    const token = session
      ? await this.tokens.issue({ _id: toObjectId(session.accountId), credential_version: credentialVersion }, tokenMembershipOf(caller))
      : null;
    return {
      message: 'Organization updated',
      organization: toView(outcome.organization),
      previous_collection: outcome.previous_collection,
      current_collection: outcome.organization.collection_name,
      // A metadata-only rename counted nothing: its records are what the quota ledger counts, read in constant time.
      documents_migrated: outcome.documents_migrated ?? (await this.organizations.recordCount(outcome.organization)),
      access_token: token?.access_token ?? null,
    };
  }
}
