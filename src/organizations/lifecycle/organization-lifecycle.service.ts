import { Injectable } from '@nestjs/common';
import { AuditAction } from '../../audit/audit-action.js';
import { AuditLogService } from '../../audit/audit-log.service.js';
import { type AuditActor, auditTarget } from '../../audit/persistence/audit-event.schema.js';
import { EmailTakenError } from '../../accounts/accounts.errors.js';
import { AccountsService, type CredentialChanges } from '../../accounts/accounts.service.js';
import { newObjectId, type ObjectId } from '../../common/database/object-id.js';
import { RECOVERY_ORIGIN, type RequestOrigin } from '../../common/http/request-origin.js';
import { ExclusiveKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import { UniqueClaimsRepository, type UniqueKind } from '../../common/uniqueness/unique-claims.repository.js';
import { AppConfig } from '../../config/app-config.js';
import { MembershipsService } from '../../memberships/memberships.service.js';
import { MemberRole } from '../../common/access/member-role.js';
import { CountedLifecycleOperation, LifecycleMetrics } from '../../metrics/lifecycle-metrics.js';
import type { Placement } from '../../tenants/placement.js';
import { tenantCollectionName } from '../../tenants/tenant-collection-name.js';
import { TenantStorage } from '../../tenants/tenant-storage.service.js';
import { OrganizationBusyError, OrganizationNameTakenError } from '../organization.errors.js';
import type { OrganizationRecord, PendingOperation } from '../persistence/organization.schema.js';
import { OrganizationsRepository } from '../persistence/organizations.repository.js';
import { OrganizationCleanup } from './organization-cleanup.js';
import { CrashPoint, CrashPoints } from '../../common/faults/crash-points.js';

/** A create's first owner: a new account with this id, email and password hash. */
export interface NewOwner {
  accountId: ObjectId;
  email: string;
  passwordHash: string;
}

/** A create's first owner: an account that exists already. */
export interface ExistingOwner {
  accountId: ObjectId;
}

export interface RenameOutcome {
  organization: OrganizationRecord;
  previous_collection: string;
  /** Null when the documents moved without being counted (see MoveResult). */
  documents_migrated: number | null;
}

/**
 * The multi-step operations on an organization as a state machine stored on its document. Each
 * step after a transition is idempotent, so whoever holds the operation's lease (the request, or
 * the reconciler after a crash) can finish it.
 *
 * Transitions that concurrent callers contend for (start a rename or a delete, finish or abandon a
 * create, change a spelling or credentials) are first won by inserting a ticket for the epoch they
 * leave: FerretDB applies concurrent conditional updates of one document without isolation, so
 * several callers could each "win" the update itself, while only one insert of a unique `_id`
 * succeeds everywhere. The update then also requires that epoch, so a caller that read the
 * organization before a whole rename went by (active -> migrating -> active) cannot act on it.
 * A crash can leave a ticket behind: the reconciler releases those once they are a lease old.
 */
@Injectable()
export class OrganizationLifecycleService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly uniqueClaims: UniqueClaimsRepository,
    private readonly locks: Locks,
    private readonly accounts: AccountsService,
    private readonly memberships: MembershipsService,
    private readonly cleanup: OrganizationCleanup,
    private readonly audit: AuditLogService,
    private readonly tenants: TenantStorage,
    private readonly crashPoints: CrashPoints,
    private readonly config: AppConfig,
    readonly lifecycleMetrics: LifecycleMetrics,
  ) {}

  leaseUntil(): Date {
    return new Date(Date.now() + this.config.lifecycle.leaseSeconds * 1000);
  }

  /**
   * Claims the name (and, for a new account, the email), then provisioning -> active with its first
   * owner: a new account, or an existing one. Any failure undoes what was done.
   */
  @CountedLifecycleOperation('create')
  async create(input: {
    id: ObjectId;
    name: string;
    slug: string;
    placement: Placement;
    owner: NewOwner | ExistingOwner;
  }): Promise<OrganizationRecord> {
    const orgId = input.id;
    const { owner } = input;
    const newAccount = 'passwordHash' in owner ? { _id: owner.accountId, email: owner.email } : undefined;
    const ownerId = owner.accountId;
    if (!(await this.uniqueClaims.claim('org', input.slug, orgId))) throw new OrganizationNameTakenError();
    if (newAccount && !(await this.uniqueClaims.claim('email', newAccount.email, newAccount._id))) {
      await this.uniqueClaims.release('org', input.slug, orgId);
      throw new EmailTakenError();
    }
    this.crashPoints.reach('create.after-claims');
    try {
      await this.organizations.insertProvisioning({
        _id: orgId,
        name: input.name,
        slug: input.slug,
        placement: input.placement,
        lease_until: this.leaseUntil(),
        ...(newAccount ? { new_account: newAccount } : {}),
      });
      this.crashPoints.reach('create.after-org-insert');
      if (newAccount) await this.accounts.register({ ...newAccount, password_hash: (owner as NewOwner).passwordHash });
      await this.memberships.join({ _id: newObjectId(), org_id: orgId, account_id: ownerId, role: MemberRole.Owner });
      this.crashPoints.reach('create.after-member-insert');
      await this.tenants.provision(input.placement);
      this.crashPoints.reach('create.after-collection');
      const active = await this.leaveEpoch(orgId, 0, 'create.after-ticket', () => this.organizations.markActive(orgId));
      // Only if the reconciler took over a create that outlived its lease.
      if (!active) throw new OrganizationBusyError('Organization creation was interrupted; retry');
      return active;
    } catch (error) {
      await this.abandonCreate(orgId);
      if (newAccount) await this.unregisterUnused(newAccount);
      throw error;
    }
  }

  /** Turns a create that cannot finish into a delete and completes it. */
  async abandonCreate(orgId: ObjectId, expectedLeaseUntil?: Date): Promise<void> {
    const deleting = await this.leaveEpoch(orgId, 0, undefined, () =>
      this.organizations.abandonCreate(orgId, this.leaseUntil(), expectedLeaseUntil),
    );
    if (deleting) {
      await this.completeDelete(deleting);
    } else if (!expectedLeaseUntil && !(await this.organizations.exists(orgId))) {
      // The organization document was never written: only the claims exist.
      await this.uniqueClaims.releaseOwnedBy([orgId]);
    }
  }

  /** active -> migrating (claims first), then moves the collection and finishes. */
  @CountedLifecycleOperation('rename')
  async rename(
    org: OrganizationRecord,
    target: { name: string; slug: string },
    request: { by: AuditActor; origin: RequestOrigin },
    credentialChanges?: CredentialChanges,
  ): Promise<RenameOutcome> {
    // The account's own change rides on the rename: no other change of its credentials meanwhile.
    if (credentialChanges) {
      return this.accounts.whileChangingCredentials(credentialChanges, () => this.claimAndRename(org, target, request, credentialChanges));
    }
    return this.claimAndRename(org, target, request);
  }

  private async claimAndRename(
    org: OrganizationRecord,
    target: { name: string; slug: string },
    request: { by: AuditActor; origin: RequestOrigin },
    credentialChanges?: CredentialChanges,
  ): Promise<RenameOutcome> {
    // A claim this organization holds already is one a rename in progress is about to give up.
    if (!(await this.uniqueClaims.claimUnheld('org', target.slug, org._id))) {
      await this.refuseClaim('org', target.slug, org._id, new OrganizationNameTakenError());
    }
    if (credentialChanges) {
      try {
        await this.accounts.claimNewEmail(credentialChanges);
      } catch (error) {
        await this.uniqueClaims.release('org', target.slug, org._id);
        throw error;
      }
    }
    this.crashPoints.reach('rename.after-claims');
    // Only a collection of its own is named after the organization: other modes rename no data.
    const operation: PendingOperation = {
      kind: 'rename',
      lease_until: this.leaseUntil(),
      to_name: target.name,
      to_slug: target.slug,
      ...(org.placement.mode === 'collection' ? { to_collection: tenantCollectionName(target.slug) } : {}),
      requested_by: request.by,
      origin: request.origin,
      ...(credentialChanges ? { credential_changes: credentialChanges } : {}),
    };
    const migrating = await this.leaveEpoch(org._id, org.lifecycle_epoch, 'rename.after-ticket', () =>
      this.organizations.beginRename(org, operation),
    );
    if (!migrating) {
      await this.uniqueClaims.release('org', target.slug, org._id);
      if (credentialChanges?.email) await this.uniqueClaims.release('email', credentialChanges.email, credentialChanges.account_id);
      throw new OrganizationBusyError();
    }
    this.crashPoints.reach('rename.after-transition');
    const outcome = await this.completeRename(migrating);
    if (credentialChanges?.email && request.by.email && request.by.email !== credentialChanges.email) {
      await this.uniqueClaims.release('email', request.by.email, credentialChanges.account_id);
    }
    return outcome;
  }

  /** Rolls a rename forward from wherever it stopped: move, credential changes, migrating -> active, audit. */
  async completeRename(org: OrganizationRecord): Promise<RenameOutcome> {
    const operation = org.operation as Required<Pick<PendingOperation, 'to_name' | 'to_slug'>> & PendingOperation;
    const toCollection = operation.to_collection;
    const moved = toCollection
      ? await this.tenants.renameCollection(org.placement, toCollection, () =>
          this.organizations.renewRenameLease(org._id, this.leaseUntil()),
        )
      : { documents: 0 };
    this.crashPoints.reach('rename.after-move');
    // Only over the version they leave: a change of the account that won since is not overwritten.
    const changes = operation.credential_changes;
    const changed = changes ? await this.accounts.applyChangesOnce(changes) : false;
    this.crashPoints.reach('rename.after-credential-changes');
    const active = await this.organizations.finishRename(org._id, {
      name: operation.to_name,
      slug: operation.to_slug,
      placement: toCollection ? { ...org.placement, collection: toCollection } : org.placement,
    });
    if (!active) throw new OrganizationBusyError('The rename was finished by another instance');
    this.crashPoints.reach('rename.after-finish');
    if (org.slug !== operation.to_slug) await this.uniqueClaims.release('org', org.slug, org._id);
    // Keyed by the epoch the rename started from: the request and recovery record it once.
    await this.recordRename(
      org,
      operation.to_name,
      operation.requested_by ?? null,
      operation.origin ?? RECOVERY_ORIGIN,
      `${org._id.toHexString()}:${org.lifecycle_epoch}`,
    );
    if (changes && changed) {
      await this.accounts.recordCredentialChange(changes, operation.requested_by?.email ?? changes.email ?? '', {
        by: operation.requested_by ?? null,
        origin: operation.origin ?? RECOVERY_ORIGIN,
        orgIds: await this.memberships.orgIdsOf(changes.account_id),
      });
    }
    return { organization: active, previous_collection: org.collection_name, documents_migrated: moved.documents };
  }

  /** Same slug, another spelling: only the name changes, won like any transition. */
  async changeDisplayName(
    org: OrganizationRecord,
    name: string,
    request: { by: AuditActor; origin: RequestOrigin },
  ): Promise<OrganizationRecord> {
    const renamed = await this.leaveEpoch(org._id, org.lifecycle_epoch, undefined, () => this.organizations.changeName(org, name));
    if (!renamed) throw new OrganizationBusyError();
    await this.recordRename(org, name, request.by, request.origin, `${org._id.toHexString()}:${org.lifecycle_epoch}`);
    return renamed;
  }

  /** active -> deleting, then removes everything. Returns the number of tenant documents removed. */
  @CountedLifecycleOperation('delete')
  async delete(org: OrganizationRecord): Promise<number> {
    const deleting = await this.leaveEpoch(org._id, org.lifecycle_epoch, undefined, () =>
      this.organizations.beginDelete(org, this.leaseUntil()),
    );
    if (!deleting) throw new OrganizationBusyError();
    this.crashPoints.reach('delete.after-transition');
    return this.completeDelete(deleting);
  }

  /**
   * Rolls a delete forward: drop the organization's data, remove invitations, the audit log, members, the
   * organization and its claims. Claims of members a crash already removed are left for the
   * reconciler's orphan-claim pass, which releases claims whose owner is gone.
   */
  async completeDelete(org: OrganizationRecord): Promise<number> {
    let documents = await this.tenants.drop(org._id, org.placement);
    const renameTarget = org.operation?.to_collection;
    if (renameTarget) documents += await this.tenants.drop(org._id, { ...org.placement, collection: renameTarget });
    // A crash can leave a move's target behind; its documents are copies, not counted twice.
    if (org.move) await this.tenants.drop(org._id, org.move.to);
    this.crashPoints.reach('delete.after-drop');
    await this.cleanup.deleteAll(org._id);
    await this.audit.deleteByOrganization(org._id);
    await this.memberships.removeAll(org._id);
    this.crashPoints.reach('delete.after-members');
    const newAccount = org.operation?.new_account;
    if (newAccount) await this.unregisterUnused(newAccount);
    // Its audit log is gone, but webhooks (the platform's) still learn of it, once even if recovery finishes the delete.
    await this.audit.announce({
      orgId: org._id,
      action: AuditAction.OrganizationDeleted,
      actor: null,
      target: { type: 'organization', id: org._id.toHexString(), name: org.name },
      origin: RECOVERY_ORIGIN,
      details: { documents_deleted: documents },
      onceKey: `${AuditAction.OrganizationDeleted}:${org._id.toHexString()}`,
    });
    await this.organizations.removeDeleting(org._id);
    await this.uniqueClaims.releaseOwnedBy([org._id]);
    return documents;
  }

  /** Removes an account an undone create registered, unless it joined another organization meanwhile. */
  private async unregisterUnused(account: { _id: ObjectId; email: string }): Promise<void> {
    if ((await this.memberships.orgIdsOf(account._id)).length === 0) await this.accounts.unregister(account);
  }

  /** Takes over an operation whose lease ran out; null when another instance got there first. */
  takeOverExpired(org: OrganizationRecord): Promise<OrganizationRecord | null> {
    return this.organizations.takeOverExpired(org, this.leaseUntil());
  }

  /** Taken by someone else: the given error; held by the same owner already: busy, retry once it is given up. */
  private async refuseClaim(kind: UniqueKind, value: string, ownerId: ObjectId, taken: Error): Promise<never> {
    if ((await this.uniqueClaims.ownerOf(kind, value))?.equals(ownerId)) throw new OrganizationBusyError();
    throw taken;
  }

  private recordRename(org: OrganizationRecord, to: string, by: AuditActor | null, origin: RequestOrigin, once: string): Promise<void> {
    return this.audit.record({
      orgId: org._id,
      action: AuditAction.OrganizationRenamed,
      actor: by,
      target: auditTarget('organization', org),
      origin,
      details: { from: org.name, to },
      onceKey: `${AuditAction.OrganizationRenamed}:${once}`,
    });
  }

  /**
   * Runs `transition` (a conditional update that leaves `epoch`) only for the one caller that wins
   * the ticket of that epoch; null for the others. Once the update is written, its epoch condition
   * alone refuses anyone who read the old epoch, so the ticket is released. After an error it is
   * kept (the write may still land) for the reconciler to release.
   */
  private leaveEpoch(
    orgId: ObjectId,
    epoch: number,
    crashPoint: CrashPoint | undefined,
    transition: () => Promise<OrganizationRecord | null>,
  ): Promise<OrganizationRecord | null> {
    // A transition that fails half way stays locked: the reconciler finishes or undoes it.
    return this.locks.runExclusive(
      ExclusiveKeys.organizationEpoch(orgId, epoch),
      () => {
        if (crashPoint) this.crashPoints.reach(crashPoint);
        return transition();
      },
      () => null,
      { keepOnError: true },
    );
  }
}
