import { Injectable } from '@nestjs/common';
import { AdminAccountsService, AdminCredentialChanges } from '../auth/admin-accounts.service.js';
import { InvalidTokenError, WeakPasswordError } from '../auth/auth.errors.js';
import { AuthService } from '../auth/auth.service.js';
import { AuthenticatedAdmin } from '../auth/authenticated-admin.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { passwordProblem } from '../auth/password-policy.js';
import { type ObjectId, toObjectId } from '../common/database/object-id.js';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { UniqueValueLookup } from '../common/uniqueness/unique-value-lookup.service.js';
import { AppConfig } from '../config/app-config.js';
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
    private readonly admins: AdminAccountsService,
    private readonly uniqueValues: UniqueValueLookup,
    private readonly hasher: PasswordHasher,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  async create(input: { organization_name: string; email: string; password: string }): Promise<CreatedOrganizationDto> {
    const slug = this.checkedSlug(input.organization_name);
    this.checkPassword(input.password);
    const passwordHash = await this.hasher.hash(input.password);
    const org = await this.lifecycle.create({ name: input.organization_name, slug, email: input.email, passwordHash });
    return { ...toView(org), admin: { id: org.admin_id.toHexString(), email: input.email } };
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

  async update(caller: AuthenticatedAdmin, changes: UpdateOrganizationDto): Promise<UpdatedOrganizationDto> {
    const { organization_name: newName, email, password } = changes;
    if (newName === undefined && email === undefined && password === undefined) {
      throw new InvalidOrganizationInputError('Provide at least one of organization_name, email, password');
    }
    const newSlug = newName === undefined ? undefined : this.checkedSlug(newName);
    if (password !== undefined) this.checkPassword(password);

    const org = await this.findOwnOrganization(caller);
    if (org.status !== OrganizationStatus.Active) throw new OrganizationBusyError();
    const admin = await this.admins.findById(org.admin_id);
    // A change is authorised by the credentials the token was issued for, not by whatever they became since.
    if (!admin || admin.credential_version !== caller.credentialVersion) throw new InvalidTokenError();
    const credentialChanges = await this.credentialChanges(admin, email, password);

    let outcome = { organization: org, previous_collection: org.collection_name, documents_migrated: 0 };
    if (newSlug !== undefined && newName !== undefined && newSlug !== org.slug) {
      outcome = await this.lifecycle.rename(org, { name: newName, slug: newSlug }, credentialChanges, admin.email);
    } else {
      if (credentialChanges) await this.lifecycle.changeCredentials(org.admin_id, admin.email, credentialChanges);
      if (newName !== undefined && newName !== org.name) outcome.organization = await this.lifecycle.changeDisplayName(org, newName);
    }
    const token = await this.auth.issueToken({
      _id: admin._id,
      org_id: org._id,
      credential_version: credentialChanges?.credential_version ?? admin.credential_version,
    });
    return {
      message: 'Organization updated',
      organization: toView(outcome.organization),
      previous_collection: outcome.previous_collection,
      current_collection: outcome.organization.collection_name,
      documents_migrated: outcome.documents_migrated,
      access_token: token.access_token,
    };
  }

  async delete(caller: AuthenticatedAdmin, name: string): Promise<DeletedOrganizationDto> {
    const org = await this.findVisibleByName(name);
    if (org._id.toHexString() !== caller.orgId) throw new NotYourOrganizationError();
    if (org.status !== OrganizationStatus.Active) throw new OrganizationBusyError();
    const documents = await this.lifecycle.delete(org);
    return { message: 'Organization deleted', organization_name: org.name, documents_deleted: documents };
  }

  async collectionStats(caller: AuthenticatedAdmin): Promise<CollectionStatsDto> {
    const org = await this.findOwnOrganization(caller);
    return this.tenants.stats(org.collection_name);
  }

  /** The caller's organization; a token whose organization is gone or going is no longer valid. */
  async findOwnOrganization(caller: AuthenticatedAdmin): Promise<OrganizationRecord> {
    const org = await this.organizations.findById(caller.orgId);
    if (!org || !VISIBLE_STATUSES.includes(org.status)) throw new InvalidTokenError();
    return org;
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
    admin: { email: string; credential_version: number },
    email: string | undefined,
    password: string | undefined,
  ): Promise<AdminCredentialChanges | undefined> {
    const emailChanged = email !== undefined && email !== admin.email;
    if (!emailChanged && password === undefined) return undefined;
    return {
      ...(emailChanged ? { email } : {}),
      ...(password !== undefined ? { password_hash: await this.hasher.hash(password) } : {}),
      credential_version: admin.credential_version + 1,
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
