import { Registry } from 'prom-client';
import type { AuditEntry, AuditLogService } from '../../audit/audit-log.service.js';
import type { InvitationsRepository } from '../../members/invitations/persistence/invitations.repository.js';
import { MemberAccountsService } from '../../members/member-accounts.service.js';
import { MemberRole } from '../../members/member-role.js';
import type { MemberRecord } from '../../members/persistence/member.schema.js';
import type { CredentialChanges, CredentialState, MembersRepository } from '../../members/persistence/members.repository.js';
import type { AuthService } from '../../auth/auth.service.js';
import type { PasswordHasher } from '../../auth/password-hasher.service.js';
import type { ObjectId } from '../../common/database/object-id.js';
import type { TransitionTicketsRepository } from '../../common/locks/transition-tickets.repository.js';
import type { StoredClaim, UniqueClaimsRepository, UniqueKind } from '../../common/uniqueness/unique-claims.repository.js';
import { UniqueValueLookup } from '../../common/uniqueness/unique-value-lookup.service.js';
import { AppConfig } from '../../config/app-config.js';
import { LifecycleMetrics } from '../../metrics/lifecycle-metrics.js';
import type { MoveResult, TenantCollectionService, TenantCollectionStats } from '../../tenants/tenant-collection.service.js';
import { CrashPoints } from '../../common/faults/crash-points.js';
import { OrganizationsService } from '../organizations.service.js';
import { OrganizationLifecycleService } from '../lifecycle/organization-lifecycle.service.js';
import { type OrganizationRecord, OrganizationStatus, type PendingOperation } from '../persistence/organization.schema.js';
import { type OrganizationsRepository, VISIBLE_STATUSES } from '../persistence/organizations.repository.js';

/** The public surface of a class, for fakes that stand in for it. */
type Surface<T> = { [K in keyof T]: T[K] };

/** A copy that keeps ObjectIds and Dates as they are (structuredClone would not). */
function copy<T extends object>(value: T): T {
  const result = { ...value } as Record<string, unknown>;
  for (const [key, field] of Object.entries(result)) {
    if (field && typeof field === 'object' && Object.getPrototypeOf(field) === Object.prototype) result[key] = copy(field);
  }
  return result as T;
}

/** `organizations` in memory, with the same conditional transitions as the repository. */
export class InMemoryOrganizations implements Surface<OrganizationsRepository> {
  readonly documents = new Map<string, OrganizationRecord>();

  async insertProvisioning(org: Parameters<OrganizationsRepository['insertProvisioning']>[0]): Promise<void> {
    const { lease_until, ...fields } = org;
    const now = new Date();
    this.documents.set(org._id.toHexString(), {
      ...fields,
      status: OrganizationStatus.Provisioning,
      lifecycle_epoch: 0,
      operation: { kind: 'create', lease_until },
      created_at: now,
      updated_at: now,
    });
  }

  async markActive(orgId: ObjectId): Promise<OrganizationRecord | null> {
    return this.transition(orgId, { status: OrganizationStatus.Provisioning, epoch: 0 }, (org) => {
      org.status = OrganizationStatus.Active;
      delete org.operation;
    });
  }

  async abandonCreate(orgId: ObjectId, leaseUntil: Date, expectedLeaseUntil?: Date): Promise<OrganizationRecord | null> {
    const org = this.documents.get(orgId.toHexString());
    if (expectedLeaseUntil && org?.operation?.lease_until.getTime() !== expectedLeaseUntil.getTime()) return null;
    return this.transition(orgId, { status: OrganizationStatus.Provisioning, epoch: 0 }, (found) => {
      found.status = OrganizationStatus.Deleting;
      found.operation = { kind: 'delete', lease_until: leaseUntil };
    });
  }

  async beginRename(org: OrganizationRecord, operation: PendingOperation): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch }, (found) => {
      found.status = OrganizationStatus.Migrating;
      found.operation = copy(operation);
    });
  }

  async finishRename(orgId: ObjectId, target: { name: string; slug: string; collection_name: string }): Promise<OrganizationRecord | null> {
    return this.transition(orgId, { status: OrganizationStatus.Migrating }, (found) => {
      Object.assign(found, target, { status: OrganizationStatus.Active });
      delete found.operation;
    });
  }

  async changeName(org: OrganizationRecord, name: string): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch }, (found) => {
      found.name = name;
    });
  }

  async beginDelete(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch }, (found) => {
      found.status = OrganizationStatus.Deleting;
      found.operation = { kind: 'delete', lease_until: leaseUntil };
    });
  }

  async removeDeleting(orgId: ObjectId): Promise<void> {
    if (this.documents.get(orgId.toHexString())?.status === OrganizationStatus.Deleting) this.documents.delete(orgId.toHexString());
  }

  async takeOverExpired(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    const found = this.documents.get(org._id.toHexString());
    if (!found || found.status !== org.status || found.operation?.lease_until.getTime() !== org.operation?.lease_until.getTime())
      return null;
    found.operation = { ...(found.operation as PendingOperation), lease_until: leaseUntil };
    return copy(found);
  }

  async renewRenameLease(orgId: ObjectId, leaseUntil: Date): Promise<void> {
    const found = this.documents.get(orgId.toHexString());
    if (found?.status === OrganizationStatus.Migrating && found.operation) found.operation.lease_until = leaseUntil;
  }

  async findById(orgId: ObjectId | string): Promise<OrganizationRecord | null> {
    const found = this.documents.get(typeof orgId === 'string' ? orgId : orgId.toHexString());
    return found ? copy(found) : null;
  }

  async exists(orgId: ObjectId): Promise<boolean> {
    return this.documents.has(orgId.toHexString());
  }

  async lifecycleEpoch(orgId: ObjectId): Promise<number | null> {
    return this.documents.get(orgId.toHexString())?.lifecycle_epoch ?? null;
  }

  async pageVisible(after: ObjectId | undefined, limit: number): Promise<OrganizationRecord[]> {
    return [...this.documents.values()]
      .filter((org) => VISIBLE_STATUSES.includes(org.status) && (!after || org._id.toHexString() > after.toHexString()))
      .sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString()))
      .slice(0, limit)
      .map(copy);
  }

  async findExpiredOperations(now: Date, limit: number): Promise<OrganizationRecord[]> {
    return [...this.documents.values()]
      .filter((org) => org.operation && org.operation.lease_until < now)
      .slice(0, limit)
      .map(copy);
  }

  async findClaimedValues(orgIds: ObjectId[]): Promise<Pick<OrganizationRecord, '_id' | 'slug' | 'operation'>[]> {
    return orgIds.flatMap((id) => {
      const org = this.documents.get(id.toHexString());
      return org ? [copy({ _id: org._id, slug: org.slug, operation: org.operation })] : [];
    });
  }

  async findCollectionReferences(): Promise<Pick<OrganizationRecord, 'collection_name' | 'status' | 'operation'>[]> {
    return [...this.documents.values()].map((org) =>
      copy({ collection_name: org.collection_name, status: org.status, operation: org.operation }),
    );
  }

  private transition(
    orgId: ObjectId,
    expected: { status: OrganizationStatus; epoch?: number },
    change: (org: OrganizationRecord) => void,
  ): OrganizationRecord | null {
    const org = this.documents.get(orgId.toHexString());
    if (!org || org.status !== expected.status || (expected.epoch !== undefined && org.lifecycle_epoch !== expected.epoch)) return null;
    change(org);
    org.lifecycle_epoch += 1;
    org.updated_at = new Date();
    return copy(org);
  }
}

/** `unique_claims` in memory. */
export class InMemoryUniqueClaims implements Surface<UniqueClaimsRepository> {
  readonly claims = new Map<string, StoredClaim>();

  async claim(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    const key = `${kind}:${value}`;
    const existing = this.claims.get(key);
    if (existing) return existing.ownerId.equals(ownerId);
    this.claims.set(key, { key, kind, value, ownerId, claimedAt: new Date() });
    return true;
  }

  async claimUnheld(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<boolean> {
    if (this.claims.has(`${kind}:${value}`)) return false;
    return this.claim(kind, value, ownerId);
  }

  async ownerOf(kind: UniqueKind, value: string): Promise<ObjectId | null> {
    return this.claims.get(`${kind}:${value}`)?.ownerId ?? null;
  }

  async release(kind: UniqueKind, value: string, ownerId: ObjectId): Promise<void> {
    if (this.claims.get(`${kind}:${value}`)?.ownerId.equals(ownerId)) this.claims.delete(`${kind}:${value}`);
  }

  async releaseOwnedBy(ownerIds: ObjectId[]): Promise<void> {
    for (const [key, claim] of this.claims) if (ownerIds.some((id) => id.equals(claim.ownerId))) this.claims.delete(key);
  }

  async findClaimedBefore(cutoff: Date, limit: number): Promise<StoredClaim[]> {
    return [...this.claims.values()].filter((claim) => claim.claimedAt < cutoff).slice(0, limit);
  }

  async releaseExactly(claim: StoredClaim): Promise<void> {
    if (this.claims.get(claim.key)?.ownerId.equals(claim.ownerId)) this.claims.delete(claim.key);
  }

  /** What the claims hold, as `key -> owner id`. */
  held(): Record<string, string> {
    return Object.fromEntries([...this.claims].map(([key, claim]) => [key, claim.ownerId.toHexString()]));
  }
}

/** `transition_tickets` in memory. */
export class InMemoryTransitionTickets implements Surface<TransitionTicketsRepository> {
  readonly tickets = new Map<string, { holder: string; takenAt: Date }>();

  async take(ticket: string, holder: string): Promise<boolean> {
    if (this.tickets.has(ticket)) return false;
    this.tickets.set(ticket, { holder, takenAt: new Date() });
    return true;
  }

  async release(ticket: string, holder: string): Promise<void> {
    if (this.tickets.get(ticket)?.holder === holder) this.tickets.delete(ticket);
  }

  async findTakenBefore(cutoff: Date): Promise<string[]> {
    return [...this.tickets].filter(([, { takenAt }]) => takenAt < cutoff).map(([ticket]) => ticket);
  }

  async releaseTakenBefore(cutoff: Date): Promise<number> {
    let released = 0;
    for (const [ticket, { takenAt }] of this.tickets) {
      if (takenAt < cutoff) {
        this.tickets.delete(ticket);
        released += 1;
      }
    }
    return released;
  }
}

/** `members` in memory (the parts the lifecycle and the organization rules use). */
export class InMemoryMembers implements Pick<
  Surface<MembersRepository>,
  | 'insert'
  | 'findById'
  | 'findSummaries'
  | 'findCredentialState'
  | 'applyChanges'
  | 'applyChangesIfVersion'
  | 'idsInOrganization'
  | 'deleteByOrganization'
  | 'delete'
> {
  readonly documents = new Map<string, MemberRecord>();

  async insert(member: { _id: ObjectId; org_id: ObjectId; email: string; password_hash: string; role: MemberRole }): Promise<boolean> {
    if (this.documents.has(member._id.toHexString())) return false;
    const now = new Date();
    this.documents.set(member._id.toHexString(), { ...member, credential_version: 1, created_at: now, updated_at: now });
    return true;
  }

  async findById(memberId: ObjectId): Promise<MemberRecord | null> {
    const found = this.documents.get(memberId.toHexString());
    return found ? copy(found) : null;
  }

  async findSummaries(memberIds: ObjectId[]): Promise<Pick<MemberRecord, '_id' | 'org_id' | 'email'>[]> {
    return memberIds.flatMap((id) => {
      const member = this.documents.get(id.toHexString());
      return member ? [{ _id: member._id, org_id: member.org_id, email: member.email }] : [];
    });
  }

  async findCredentialState(memberId: string): Promise<CredentialState | null> {
    const member = this.documents.get(memberId);
    return member ? { org_id: member.org_id, email: member.email, role: member.role, credential_version: member.credential_version } : null;
  }

  async applyChanges(changes: CredentialChanges): Promise<void> {
    const { member_id, ...values } = changes;
    const member = this.documents.get(member_id.toHexString());
    if (member) Object.assign(member, values);
  }

  async applyChangesIfVersion(expectedVersion: number, changes: CredentialChanges): Promise<boolean> {
    const { member_id, ...values } = changes;
    const member = this.documents.get(member_id.toHexString());
    if (member?.credential_version !== expectedVersion) return false;
    Object.assign(member, values);
    return true;
  }

  async idsInOrganization(orgId: ObjectId): Promise<ObjectId[]> {
    return [...this.documents.values()].filter((member) => member.org_id.equals(orgId)).map((member) => member._id);
  }

  async delete(orgId: ObjectId, memberId: ObjectId): Promise<void> {
    if (this.documents.get(memberId.toHexString())?.org_id.equals(orgId)) this.documents.delete(memberId.toHexString());
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    for (const [id, member] of this.documents) if (member.org_id.equals(orgId)) this.documents.delete(id);
  }
}

/** The audit log in memory: the entries recorded, once per key. */
export class InMemoryAuditLog implements Pick<AuditLogService, 'record' | 'deleteByOrganization'> {
  readonly entries: AuditEntry[] = [];

  async record(entry: AuditEntry): Promise<void> {
    if (entry.onceKey && this.entries.some((recorded) => recorded.onceKey === entry.onceKey)) return;
    this.entries.push(entry);
  }

  async deleteByOrganization(orgId: ObjectId): Promise<void> {
    this.entries.splice(0, this.entries.length, ...this.entries.filter((entry) => !entry.orgId.equals(orgId)));
  }
}

/** Tenant collections in memory: a name and its document count. */
export class InMemoryTenantCollections implements Pick<
  TenantCollectionService,
  'create' | 'exists' | 'move' | 'drop' | 'stats' | 'listTenantCollections'
> {
  readonly collections = new Map<string, number>();
  /** Set to make the next create fail, as a lost database would. */
  failNextCreate = false;

  async create(collectionName: string): Promise<void> {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      throw new Error('connection lost');
    }
    if (!this.collections.has(collectionName)) this.collections.set(collectionName, 0);
  }

  async exists(collectionName: string): Promise<boolean> {
    return this.collections.has(collectionName);
  }

  async listTenantCollections(): Promise<string[]> {
    return [...this.collections.keys()];
  }

  async move(from: string, to: string): Promise<MoveResult> {
    const documents = this.collections.get(from);
    if (documents === undefined) return { documents: this.collections.get(to) ?? 0, method: 'already-moved' };
    this.collections.delete(from);
    this.collections.set(to, documents);
    return { documents, method: 'renameCollection' };
  }

  async drop(collectionName: string): Promise<number> {
    const documents = this.collections.get(collectionName) ?? 0;
    this.collections.delete(collectionName);
    return documents;
  }

  async stats(collectionName: string): Promise<TenantCollectionStats> {
    return { collection_name: collectionName, documents: this.collections.get(collectionName) ?? 0, size_bytes: 0, indexes: 1 };
  }
}

export const TEST_CONFIG = AppConfig.fromEnvironment({
  NODE_ENV: 'test',
  MONGODB_URI: 'mongodb://127.0.0.1:1/',
  JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789',
  LIFECYCLE_LEASE_SECONDS: '30',
});

/** The lifecycle service over in-memory stores, with every store exposed for assertions. */
export function inMemoryLifecycle() {
  const organizations = new InMemoryOrganizations();
  const uniqueClaims = new InMemoryUniqueClaims();
  const tickets = new InMemoryTransitionTickets();
  const memberDocuments = new InMemoryMembers();
  const audit = new InMemoryAuditLog();
  const tenants = new InMemoryTenantCollections();
  const members = new MemberAccountsService(
    memberDocuments as unknown as MembersRepository,
    new UniqueValueLookup(uniqueClaims as unknown as UniqueClaimsRepository),
  );
  const invitations = { deleteByOrganization: async () => undefined } as unknown as InvitationsRepository;
  const lifecycle = new OrganizationLifecycleService(
    organizations as unknown as OrganizationsRepository,
    uniqueClaims as unknown as UniqueClaimsRepository,
    tickets as unknown as TransitionTicketsRepository,
    members,
    invitations,
    audit as unknown as AuditLogService,
    tenants as unknown as TenantCollectionService,
    new CrashPoints(TEST_CONFIG),
    TEST_CONFIG,
    new LifecycleMetrics(new Registry()),
  );
  return { lifecycle, members, organizations, uniqueClaims, tickets, memberDocuments, audit, tenants };
}

/** The organizations service over in-memory stores; hashing and tokens are stand-ins. */
export function inMemoryOrganizationsService() {
  const stores = inMemoryLifecycle();
  const hasher = { hash: async (password: string) => `$argon2id$stand-in$${password.length}` } as unknown as PasswordHasher;
  const auth = {
    issueToken: async (admin: { _id: ObjectId; org_id: ObjectId; credential_version: number }) => ({
      access_token: `token-of-${admin._id.toHexString()}-cv${admin.credential_version}`,
    }),
  } as unknown as AuthService;
  const service = new OrganizationsService(
    stores.organizations as unknown as OrganizationsRepository,
    stores.lifecycle,
    stores.tenants as unknown as TenantCollectionService,
    stores.members,
    stores.audit as unknown as AuditLogService,
    new UniqueValueLookup(stores.uniqueClaims as unknown as UniqueClaimsRepository),
    hasher,
    auth,
    TEST_CONFIG,
  );
  return { ...stores, service };
}
