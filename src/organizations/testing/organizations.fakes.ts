import { JwtService } from '@nestjs/jwt';
import { Registry } from 'prom-client';
import { AccountsService } from '../../accounts/accounts.service.js';
import { PasswordHasher } from '../../accounts/password-hasher.service.js';
import { InMemoryAccounts } from '../../accounts/testing/accounts.fakes.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { InMemoryAuditEvents, InMemoryOutboxEvents } from '../../audit/testing/audit.fakes.js';
import { memberCaller } from '../../common/testing/callers.fakes.js';
import { InMemoryTenantStorage, InMemoryTenantUsage } from '../../tenants/testing/tenants.fakes.js';
import { MemberRole } from '../../common/access/member-role.js';
import { type ObjectId, toObjectId } from '../../common/database/object-id.js';
import { CrashPoints } from '../../common/faults/crash-points.js';
import {
  copy,
  DuplicateKeyFault,
  InMemoryTransitionTickets,
  inMemoryLocks,
  InMemoryUniqueClaims,
  standIn,
  type Surface,
  TEST_CONFIG,
} from '../../common/testing/common.fakes.js';
import { UniqueValueLookup } from '../../common/uniqueness/unique-value-lookup.service.js';
import { MembershipsService } from '../../memberships/memberships.service.js';
import { InMemoryMemberships } from '../../memberships/testing/memberships.fakes.js';
import { LifecycleMetrics } from '../../metrics/lifecycle-metrics.js';
import { type Placement } from '../../tenants/placement.js';
import { AccessTokens } from '../../tokens/access-tokens.service.js';
import type { TokenClaims } from '../../tokens/token-claims.js';
import { OrganizationCleanup } from '../lifecycle/organization-cleanup.js';
import { OrganizationQuotas } from '../quotas/organization-quotas.service.js';
import { OrganizationLifecycleService } from '../lifecycle/organization-lifecycle.service.js';
import { OrganizationOnboarding } from '../organization-onboarding.service.js';
import { OrganizationUpdates } from '../organization-updates.service.js';
import { OrganizationsService } from '../organizations.service.js';
import { PlacementPolicy } from '../placement/placement-policy.service.js';
import { OrganizationSuspensions } from '../organization-suspensions.service.js';
import {
  isSuspended,
  type MoveInProgress,
  MovePhase,
  type OrganizationRecord,
  OrganizationStatus,
  type PendingOperation,
  type QuotaOverride,
} from '../persistence/organization.schema.js';
import {
  type ClaimedValues,
  type CollectionReference,
  type OrganizationsRepository,
  VISIBLE_STATUSES,
} from '../persistence/organizations.repository.js';

const byId = (a: { _id: ObjectId }, b: { _id: ObjectId }): number => a._id.toHexString().localeCompare(b._id.toHexString());

/**
 * `organizations` in memory, with the repository's semantics: every transition is conditional on
 * the status (and, where the repository requires it, the epoch) it leaves, bumps the epoch, and
 * returns the document as written or null.
 */
export class InMemoryOrganizations implements Surface<OrganizationsRepository> {
  readonly documents = new Map<string, OrganizationRecord>();

  async insertProvisioning(org: Parameters<OrganizationsRepository['insertProvisioning']>[0]): Promise<void> {
    const { lease_until, new_account, ...fields } = copy(org);
    if (this.documents.has(org._id.toHexString())) throw new DuplicateKeyFault('organizations._id');
    if (this.all().some((stored) => stored.slug === org.slug)) throw new DuplicateKeyFault('organizations.slug');
    const now = new Date();
    this.documents.set(org._id.toHexString(), {
      ...fields,
      collection_name: fields.placement.collection,
      move: null,
      status: OrganizationStatus.Provisioning,
      lifecycle_epoch: 0,
      operation: { kind: 'create', lease_until, ...(new_account ? { new_account } : {}) },
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
    // The operation keeps the account the create registered, for the delete to remove.
    return this.transition(orgId, { status: OrganizationStatus.Provisioning, epoch: 0 }, (found) => {
      found.status = OrganizationStatus.Deleting;
      found.operation = { ...(found.operation as PendingOperation), kind: 'delete', lease_until: leaseUntil };
    });
  }

  async beginRename(org: OrganizationRecord, operation: PendingOperation): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch, noMove: true }, (found) => {
      found.status = OrganizationStatus.Migrating;
      found.operation = copy(operation);
    });
  }

  async finishRename(orgId: ObjectId, target: { name: string; slug: string; placement: Placement }): Promise<OrganizationRecord | null> {
    return this.transition(orgId, { status: OrganizationStatus.Migrating }, (found) => {
      Object.assign(found, copy(target), { status: OrganizationStatus.Active, collection_name: target.placement.collection });
      delete found.operation;
    });
  }

  async changeName(org: OrganizationRecord, name: string): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch, noMove: true }, (found) => {
      found.name = name;
    });
  }

  async beginDelete(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    return this.transition(org._id, { status: OrganizationStatus.Active, epoch: org.lifecycle_epoch, noMove: true }, (found) => {
      found.status = OrganizationStatus.Deleting;
      found.operation = { kind: 'delete', lease_until: leaseUntil };
    });
  }

  async removeDeleting(orgId: ObjectId): Promise<void> {
    if (this.documents.get(orgId.toHexString())?.status === OrganizationStatus.Deleting) this.documents.delete(orgId.toHexString());
  }

  async takeOverExpired(org: OrganizationRecord, leaseUntil: Date): Promise<OrganizationRecord | null> {
    const found = this.documents.get(org._id.toHexString());
    if (
      !found?.operation ||
      found.status !== org.status ||
      found.operation.lease_until.getTime() !== org.operation?.lease_until.getTime()
    ) {
      return null;
    }
    found.operation.lease_until = leaseUntil;
    found.updated_at = new Date();
    return copy(found);
  }

  async renewRenameLease(orgId: ObjectId, leaseUntil: Date): Promise<void> {
    const found = this.documents.get(orgId.toHexString());
    if (found?.status === OrganizationStatus.Migrating && found.operation) found.operation.lease_until = leaseUntil;
  }

  async findById(orgId: ObjectId | string): Promise<OrganizationRecord | null> {
    const found = this.documents.get((typeof orgId === 'string' ? toObjectId(orgId) : orgId).toHexString());
    return found ? copy(found) : null;
  }

  async exists(orgId: ObjectId): Promise<boolean> {
    return this.documents.has(orgId.toHexString());
  }

  /** Every organization the fake holds was written with its placement: nothing to backfill. */
  async backfillPlacements(_limit: number): Promise<number> {
    return 0;
  }

  async writeState(orgId: ObjectId): Promise<Pick<OrganizationRecord, 'lifecycle_epoch' | 'move'> | null> {
    const found = this.documents.get(orgId.toHexString());
    if (!found) return null;
    return copy({ lifecycle_epoch: found.lifecycle_epoch, ...(found.move !== undefined ? { move: found.move } : {}) });
  }

  async pageVisible(after: ObjectId | undefined, limit: number, slugPrefix?: string): Promise<OrganizationRecord[]> {
    return this.all()
      .filter((org) => VISIBLE_STATUSES.includes(org.status) && (!after || org._id.toHexString() > after.toHexString()))
      .filter((org) => slugPrefix === undefined || org.slug.startsWith(slugPrefix))
      .sort(byId)
      .slice(0, limit)
      .map(copy);
  }

  async findGlance(orgId: string): Promise<Pick<OrganizationRecord, 'suspended_at' | 'slug' | 'status' | 'quota'> | null> {
    const found = this.documents.get(toObjectId(orgId).toHexString());
    return found ? { suspended_at: found.suspended_at ?? null, slug: found.slug, status: found.status, quota: found.quota ?? null } : null;
  }

  /** Not a transition: no epoch moves. */
  async setSuspendedAt(orgId: ObjectId, suspendedAt: Date | null): Promise<OrganizationRecord | null> {
    const org = this.documents.get(orgId.toHexString());
    if (!org || !VISIBLE_STATUSES.includes(org.status) || isSuspended(org) === (suspendedAt !== null)) return null;
    org.suspended_at = suspendedAt;
    org.updated_at = new Date();
    return copy(org);
  }

  async setQuota(orgId: ObjectId, quota: QuotaOverride): Promise<OrganizationRecord | null> {
    const org = this.documents.get(orgId.toHexString());
    if (!org || !VISIBLE_STATUSES.includes(org.status)) return null;
    org.quota = { ...quota };
    return copy(org);
  }

  async findExpiredOperations(now: Date, limit: number): Promise<OrganizationRecord[]> {
    const pending = [OrganizationStatus.Provisioning, OrganizationStatus.Migrating, OrganizationStatus.Deleting];
    return this.all()
      .filter((org) => pending.includes(org.status) && org.operation && org.operation.lease_until < now)
      .slice(0, limit)
      .map(copy);
  }

  async findClaimedValues(orgIds: ObjectId[]): Promise<ClaimedValues[]> {
    return this.all()
      .filter((org) => orgIds.some((id) => id.equals(org._id)))
      .map((org) => copy({ _id: org._id, slug: org.slug, operation: org.operation }));
  }

  async findPendingCredentialChanges(accountIds: ObjectId[]): Promise<Pick<OrganizationRecord, 'operation'>[]> {
    return this.all()
      .filter((org) => accountIds.some((id) => org.operation?.credential_changes?.account_id.equals(id)))
      .map((org) => copy({ operation: org.operation }));
  }

  async findVisibleByIds(orgIds: ObjectId[]): Promise<OrganizationRecord[]> {
    return this.all()
      .filter((org) => VISIBLE_STATUSES.includes(org.status) && orgIds.some((id) => id.equals(org._id)))
      .map(copy);
  }

  async findCollectionReferences(): Promise<CollectionReference[]> {
    // As projected: the collection, the placement, the status, where a pending operation moves it and the move under way.
    return this.all()
      .filter((org) => org.placement.mode === 'collection' || org.move?.to.mode === 'collection')
      .map((org) =>
        copy({
          _id: org._id,
          collection_name: org.collection_name,
          placement: org.placement,
          status: org.status,
          ...(org.operation
            ? { operation: (org.operation.to_collection ? { to_collection: org.operation.to_collection } : {}) as PendingOperation }
            : {}),
          ...(org.move !== undefined ? { move: org.move } : {}),
        }),
      );
  }

  /** Not a transition: the epoch stays. */
  async beginMove(org: OrganizationRecord, move: MoveInProgress): Promise<OrganizationRecord | null> {
    const found = this.documents.get(org._id.toHexString());
    if (!found || found.status !== OrganizationStatus.Active || found.lifecycle_epoch !== org.lifecycle_epoch || found.move) return null;
    found.move = copy(move);
    found.updated_at = new Date();
    return copy(found);
  }

  async setMovePhase(orgId: ObjectId, moveId: ObjectId, phase: MovePhase): Promise<void> {
    const found = this.documents.get(orgId.toHexString());
    if (found?.move?.id.equals(moveId)) {
      found.move.phase = phase;
      found.updated_at = new Date();
    }
  }

  async switchPlacement(orgId: ObjectId, moveId: ObjectId, placement: Placement): Promise<OrganizationRecord | null> {
    return this.transition(
      orgId,
      (org) => org.move?.id.equals(moveId) === true && org.move.phase === MovePhase.Cutover,
      (found) => {
        found.placement = copy(placement);
        found.collection_name = placement.collection;
        found.move!.phase = MovePhase.CleaningUp;
      },
    );
  }

  async endMove(orgId: ObjectId, moveId: ObjectId): Promise<void> {
    const found = this.documents.get(orgId.toHexString());
    if (found?.move?.id.equals(moveId)) {
      found.move = null;
      found.updated_at = new Date();
    }
  }

  async countInPlacement(cluster: string, mode: string): Promise<number> {
    return this.all().filter(({ placement }) => placement.cluster === cluster && placement.mode === mode).length;
  }

  private all(): OrganizationRecord[] {
    return [...this.documents.values()];
  }

  /**
   * A conditional update that bumps the epoch: of an organization in the expected status (and,
   * where given, epoch; with `noMove`, as the transitions out of `active` require, with no move of
   * its data under way), or one the predicate accepts.
   */
  private transition(
    orgId: ObjectId,
    expected: { status: OrganizationStatus; epoch?: number; noMove?: boolean } | ((org: OrganizationRecord) => boolean),
    change: (org: OrganizationRecord) => void,
  ): OrganizationRecord | null {
    const org = this.documents.get(orgId.toHexString());
    if (!org || !matches(org, expected)) return null;
    change(org);
    org.lifecycle_epoch += 1;
    org.updated_at = new Date();
    return copy(org);
  }
}

function matches(
  org: OrganizationRecord,
  expected: { status: OrganizationStatus; epoch?: number; noMove?: boolean } | ((org: OrganizationRecord) => boolean),
): boolean {
  if (typeof expected === 'function') return expected(org);
  if (org.status !== expected.status) return false;
  if (expected.epoch !== undefined && org.lifecycle_epoch !== expected.epoch) return false;
  // `move: null` in the repository's filter matches an absent move too.
  return !expected.noMove || !org.move;
}

/**
 * The lifecycle service over in-memory stores, with the real services around it (accounts,
 * memberships, audit log, cleanup registry) and every store exposed for assertions.
 */
export function inMemoryLifecycle() {
  const organizations = new InMemoryOrganizations();
  const uniqueClaims = new InMemoryUniqueClaims();
  const tickets = new InMemoryTransitionTickets();
  const locks = inMemoryLocks(tickets);
  const accountDocuments = new InMemoryAccounts();
  const membershipDocuments = new InMemoryMemberships();
  const auditEvents = new InMemoryAuditEvents();
  const tenants = new InMemoryTenantStorage();
  const uniqueValues = new UniqueValueLookup(standIn(uniqueClaims));
  const audit = new AuditLogService(standIn(auditEvents), standIn(new InMemoryOutboxEvents()));
  const accounts = new AccountsService(standIn(accountDocuments), uniqueValues, standIn(uniqueClaims), locks, audit);
  const memberships = new MembershipsService(standIn(membershipDocuments), locks);
  const cleanup = new OrganizationCleanup();
  const lifecycle = new OrganizationLifecycleService(
    standIn(organizations),
    standIn(uniqueClaims),
    locks,
    accounts,
    memberships,
    cleanup,
    audit,
    standIn(tenants),
    new CrashPoints(TEST_CONFIG),
    TEST_CONFIG,
    new LifecycleMetrics(new Registry()),
  );
  return {
    lifecycle,
    accounts,
    memberships,
    cleanup,
    audit,
    uniqueValues,
    organizations,
    uniqueClaims,
    tickets,
    accountDocuments,
    membershipDocuments,
    auditEvents,
    tenants,
  };
}

/**
 * The organization services (lookups, onboarding, updates) over in-memory stores, with the real
 * password hasher (at argon2's cheapest settings) and real tokens.
 */
export function inMemoryOrganizationServices() {
  const stores = inMemoryLifecycle();
  const hasher = new PasswordHasher(TEST_CONFIG);
  const jwt = new JwtService({
    privateKey: TEST_CONFIG.jwt.key,
    signOptions: {
      algorithm: 'HS256',
      keyid: TEST_CONFIG.jwt.keyId,
      expiresIn: TEST_CONFIG.jwt.expiresInSeconds,
      issuer: TEST_CONFIG.jwt.issuer,
      audience: TEST_CONFIG.jwt.audience,
    },
  });
  const tokens = new AccessTokens(TEST_CONFIG);
  const suspensions = new OrganizationSuspensions(standIn(stores.organizations), stores.audit);
  const usage = new InMemoryTenantUsage();
  const quotas = new OrganizationQuotas(
    standIn(stores.organizations),
    standIn(usage),
    new OrganizationCleanup(),
    TEST_CONFIG,
    stores.audit,
    suspensions,
  );
  const service = new OrganizationsService(
    standIn(stores.organizations),
    stores.lifecycle,
    standIn(stores.tenants),
    stores.uniqueValues,
    suspensions,
    quotas,
  );
  const placements = new PlacementPolicy(standIn(stores.tenants), TEST_CONFIG);
  const onboarding = new OrganizationOnboarding(stores.lifecycle, stores.accounts, hasher, stores.audit, placements);
  const updates = new OrganizationUpdates(service, stores.lifecycle, stores.accounts, stores.memberships, hasher, tokens);
  /** The claims a token issued here carries. */
  const claimsOf = (token: string | null): TokenClaims => jwt.decode<TokenClaims>(token ?? '');
  return { ...stores, hasher, tokens, claimsOf, suspensions, usage, quotas, service, placements, onboarding, updates };
}

export const TEST_PASSWORD = 'a-Strong-passphrase-42';
export const TEST_ORIGIN = { ip: '127.0.0.1', requestId: 'r-1' };

/** The organization services with one organization created (without a token) for a new owner, and that owner as the caller. */
export async function withOrganization(name = 'Acme Corp', email = 'owner@acme.test') {
  const services = inMemoryOrganizationServices();
  const created = await services.onboarding.create({ organization_name: name, email, password: TEST_PASSWORD }, null, TEST_ORIGIN);
  const caller = memberCaller({ accountId: created.admin.id, email, orgId: created.id, role: MemberRole.Owner });
  return { ...services, created, caller };
}
