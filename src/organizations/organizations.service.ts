import { Injectable } from '@nestjs/common';
import { auditTarget } from '../audit/persistence/audit-event.schema.js';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { InvalidTokenError, WeakPasswordError } from '../auth/auth.errors.js';
import { AuthService } from '../auth/auth.service.js';
import type { AuthenticatedMember } from '../auth/authenticated-member.js';
import { assertRole } from '../auth/roles.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { passwordProblem } from '../auth/password-policy.js';
import { type ObjectId, toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import { AppConfig } from '../config/app-config.js';
import { type CredentialChanges, MemberAccountsService } from '../members/member-accounts.service.js';
import { MemberRole } from '../members/member-role.js';
import { actorOf } from '../members/members.service.js';
import { TenantCollectionService } from '../tenants/tenant-collection.service.js';
import {
  CollectionStatsDto,
  CreatedOrganizationDto,
  DeletedOrganizationDto,
  OrganizationPageDto,
  OrganizationViewDto,
  UpdatedOrganizationDto,
} from './dto/organization.view.dto.js';
import { UpdateOrganizationDto } from './dto/update-organization.dto.js';
import { OrganizationLifecycleService } from './lifecycle/organization-lifecycle.service.js';
import { organizationNameProblem, slugify } from './organization-name.js';
import {
  InvalidOrganizationInputError,
  NotYourOrganizationError,
  OrganizationBusyError,
  OrganizationNotFoundError,
} from './organization.errors.js';
import { type OrganizationRecord, OrganizationStatus } from './persistence/organization.schema.js';
import { OrganizationsRepository, VISIBLE_STATUSES } from './persistence/organizations.repository.js';

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly lifecycle: OrganizationLifecycleService,
    private readonly tenants: TenantCollectionService,
    private readonly members: MemberAccountsService,
    private readonly audit: AuditLogService,
    private readonly uniqueValues: UniqueValueLookup,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  async create(
    input: { organization_name: string; email: string; password: string },
    origin: RequestOrigin,
  ): Promise<CreatedOrganizationDto> {
    const slug = this.checkedSlug(input.organization_name);
    this.checkPassword(input.password);
    const passwordHash = await this.hasher.hash(input.password);
    const { organization, ownerId } = await this.lifecycle.create({
      name: input.organization_name,
      slug,
      email: input.email,
      passwordHash,
    });
    const owner = { id: ownerId.toHexString(), email: input.email };
    await this.audit.record({
      orgId: organization._id,
      action: AuditAction.OrganizationCreated,
      actor: owner,
      target: auditTarget('organization', organization),
      origin,
      details: { organization_name: organization.name, slug: organization.slug },
    });
    return { ...toView(organization), admin: owner };
  }

  async getByName(name: string): Promise<OrganizationViewDto> {
    return toView(await this.findVisibleByName(name));
  }

  async list(query: PageQuery): Promise<OrganizationPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One extra document tells whether another page exists.
    const documents = await this.organizations.pageVisible(query.cursor ? toObjectId(query.cursor) : undefined, limit + 1);
    return toPage(documents, limit, toView);
  }

  /** A rename needs an admin; a member's own email or password change any member. */
  async update(caller: AuthenticatedMember, changes: UpdateOrganizationDto, origin: RequestOrigin): Promise<UpdatedOrganizationDto> {
    const { organization_name: newName, email, password } = changes;
    if (newName === undefined && email === undefined && password === undefined) {
      throw new InvalidOrganizationInputError('Provide at least one of organization_name, email, password');
    }
    const newSlug = newName === undefined ? undefined : this.checkedSlug(newName);
    if (password !== undefined) this.checkPassword(password);

    const org = await this.findOwnOrganization(caller);
    const renaming = newName !== undefined && newName !== org.name;
    if (renaming) assertRole(caller, MemberRole.Admin);
    if (org.status !== OrganizationStatus.Active) throw new OrganizationBusyError();
    let outcome = { organization: org, previous_collection: org.collection_name, documents_migrated: 0 };
    let holder = { _id: toObjectId(caller.memberId), org_id: org._id, credential_version: caller.credentialVersion };
    // Nothing to change (the current name, the caller's own email): no more reads, no writes, no ticket.
    const changesSomething = renaming || password !== undefined || (email !== undefined && email !== caller.email);
    if (changesSomething) {
      const member = await this.members.findById(holder._id);
      // A change is authorised by the credentials the token was issued for, not by whatever they became since.
      if (!member || member.credential_version !== caller.credentialVersion) throw new InvalidTokenError();
      const credentialChanges = await this.credentialChanges(member, email, password);
      const request = { by: actorOf(caller), origin };
      if (newSlug !== undefined && newName !== undefined && newSlug !== org.slug) {
        outcome = await this.lifecycle.rename(org, { name: newName, slug: newSlug }, request, credentialChanges);
      } else {
        if (credentialChanges) await this.lifecycle.changeCredentials(org._id, credentialChanges, request);
        if (renaming) outcome.organization = await this.lifecycle.changeDisplayName(org, newName, request);
      }
      holder = { ...holder, credential_version: credentialChanges?.credential_version ?? member.credential_version };
    }
    const token = await this.auth.issueToken(holder);
    return {
      message: 'Organization updated',
      organization: toView(outcome.organization),
      previous_collection: outcome.previous_collection,
      current_collection: outcome.organization.collection_name,
      documents_migrated: outcome.documents_migrated,
      access_token: token.access_token,
    };
  }

  async delete(caller: AuthenticatedMember, name: string): Promise<DeletedOrganizationDto> {
    const org = await this.findVisibleByName(name);
    if (org._id.toHexString() !== caller.orgId) throw new NotYourOrganizationError();
    if (org.status !== OrganizationStatus.Active) throw new OrganizationBusyError();
    const documents = await this.lifecycle.delete(org);
    return { message: 'Organization deleted', organization_name: org.name, documents_deleted: documents };
  }

  async collectionStats(caller: AuthenticatedMember): Promise<CollectionStatsDto> {
    const org = await this.findOwnOrganization(caller);
    return this.tenants.stats(org.collection_name);
  }

  /** The caller's organization; a token whose organization is gone or going is no longer valid. */
  async findOwnOrganization(caller: Pick<AuthenticatedMember, 'orgId'>): Promise<OrganizationRecord> {
    const org = await this.findVisibleById(caller.orgId);
    if (!org) throw new InvalidTokenError();
    return org;
  }

  /** The organization, unless it is gone or mid-create or mid-delete. */
  async findVisibleById(orgId: ObjectId | string): Promise<OrganizationRecord | null> {
    const org = await this.organizations.findById(orgId);
    return org && VISIBLE_STATUSES.includes(org.status) ? org : null;
  }

  /** The organization's current lifecycle epoch (null once it is gone). */
  lifecycleEpoch(orgId: ObjectId): Promise<number | null> {
    return this.organizations.lifecycleEpoch(orgId);
  }

  private async findVisibleByName(name: string): Promise<OrganizationRecord> {
    const slug = this.checkedSlug(name);
    // Through the slug's claim (or its last seen owner) and then by `_id`: primary-key reads on every
    // server. The claim of a rename in progress names an organization that does not have the slug yet.
    const org = await this.uniqueValues.findHolder(
      'org',
      slug,
      (orgId) => this.organizations.findById(orgId),
      (candidate) => candidate.slug === slug && VISIBLE_STATUSES.includes(candidate.status),
    );
    if (!org) throw new OrganizationNotFoundError();
    return org;
  }

  private checkedSlug(name: string): string {
    const problem = organizationNameProblem(name);
    if (problem) throw new InvalidOrganizationInputError(problem);
    return slugify(name);
  }

  private checkPassword(password: string): void {
    const problem = passwordProblem(password, this.config.passwordMinLength);
    if (problem) throw new WeakPasswordError(problem);
  }

  private async credentialChanges(
    member: { _id: ObjectId; email: string; credential_version: number },
    email: string | undefined,
    password: string | undefined,
  ): Promise<CredentialChanges | undefined> {
    const emailChanged = email !== undefined && email !== member.email;
    if (!emailChanged && password === undefined) return undefined;
    return {
      member_id: member._id,
      ...(emailChanged ? { email } : {}),
      ...(password !== undefined ? { password_hash: await this.hasher.hash(password) } : {}),
      credential_version: member.credential_version + 1,
    };
  }
}

export function toView(org: OrganizationRecord): OrganizationViewDto {
  return {
    id: org._id.toHexString(),
    organization_name: org.name,
    slug: org.slug,
    collection_name: org.collection_name,
    status: org.status,
    created_at: org.created_at,
    updated_at: org.updated_at,
  };
}
