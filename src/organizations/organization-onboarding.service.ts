import { Injectable } from '@nestjs/common';
import { EmailTakenError } from '../accounts/accounts.errors.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { PasswordHasher } from '../accounts/password-hasher.service.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import type { AuthenticatedAccount } from '../common/access/authenticated-member.js';
import { newObjectId, toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import type { CreateOrganizationDto } from './dto/create-organization.dto.js';
import type { CreatedOrganizationDto } from './dto/organization.view.dto.js';
import { type ExistingOwner, type NewOwner, OrganizationLifecycleService } from './lifecycle/organization-lifecycle.service.js';
import { InvalidOrganizationInputError } from './organization.errors.js';
import { PlacementPolicy } from './placement/placement-policy.service.js';
import { checkedSlug, toView } from './organizations.service.js';

/** Creating an organization: for a new account, for an existing one by its password, or for the caller's account. */
@Injectable()
export class OrganizationOnboarding {
  constructor(
    private readonly lifecycle: OrganizationLifecycleService,
    private readonly accounts: AccountsService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly placements: PlacementPolicy,
  ) {}

  async create(input: CreateOrganizationDto, caller: AuthenticatedAccount | null, origin: RequestOrigin): Promise<CreatedOrganizationDto> {
    const slug = checkedSlug(input.organization_name);
    const owner = caller ? this.callerAsOwner(input, caller) : await this.ownerByCredentials(input);
    const id = newObjectId();
    const { placement, overflow } = await this.placements.forNewOrganization({ id, slug });
    const organization = await this.lifecycle.create({ id, name: input.organization_name, slug, placement, owner: owner.owner });
    const admin = { id: owner.id, email: owner.email };
    await this.audit.record({
      orgId: organization._id,
      action: AuditAction.OrganizationCreated,
      actor: { type: 'account', ...admin },
      target: auditTarget('organization', organization),
      origin,
      details: {
        organization_name: organization.name,
        slug: organization.slug,
        placement: { mode: placement.mode, cluster: placement.cluster },
        // The budget, not the caller, chose `shared`: the event says why.
        ...(overflow
          ? {
              placement_overflow: `cluster ${overflow.cluster} holds ${overflow.used} collections and indexes of its budget of ${overflow.budget}`,
            }
          : {}),
      },
    });
    return { ...toView(organization), admin };
  }

  private callerAsOwner(input: CreateOrganizationDto, caller: AuthenticatedAccount): OwnerChoice {
    if (input.email !== undefined || input.password !== undefined) {
      throw new InvalidOrganizationInputError('With a bearer token send only organization_name: the caller becomes the owner');
    }
    const { accountId, email } = caller.account;
    return { owner: { accountId: toObjectId(accountId) }, id: accountId, email };
  }

  /**
   * An existing account's email with its own password makes that account the owner; with another
   * password it is 409, never more. Either way the request costs one argon2 operation, like a
   * create for a new email (a verify instead of a hash), so timing does not tell the two apart.
   */
  private async ownerByCredentials(input: CreateOrganizationDto): Promise<OwnerChoice> {
    if (input.email === undefined) throw new InvalidOrganizationInputError('email is required (or send a bearer token)');
    if (input.password === undefined) throw new InvalidOrganizationInputError('password is required (or send a bearer token)');
    const { email, password } = input;
    this.hasher.assertAcceptable(password);
    const existing = await this.accounts.findByEmail(email);
    if (existing) {
      if (!(await this.hasher.verify(existing.password_hash, password))) throw new EmailTakenError();
      return { owner: { accountId: existing._id }, id: existing._id.toHexString(), email };
    }
    const owner: NewOwner = { accountId: newObjectId(), email, passwordHash: await this.hasher.hash(password) };
    return { owner, id: owner.accountId.toHexString(), email };
  }
}

interface OwnerChoice {
  owner: NewOwner | ExistingOwner;
  id: string;
  email: string;
}
