import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { AdminAccountsService, type AdminCredentialChanges } from '../auth/admin-accounts.service.js';
import { AdminEmailTakenError } from '../auth/auth.errors.js';
import { UniqueClaimService } from '../common/claims/unique-claim.service.js';
import { AppConfig } from '../config/app-config.js';
import { CountedLifecycleOperation, LifecycleMetrics } from '../metrics/lifecycle-metrics.js';
import { tenantCollectionName } from '../tenants/tenant-collection-name.js';
import { TenantCollectionService } from '../tenants/tenant-collection.service.js';
import { CrashPoint, CrashPoints } from './crash-points.js';
import { OrganizationBusyError, OrganizationNameTakenError } from './organization.errors.js';
import { Organization, type OrganizationRecord, OrganizationStatus, type PendingOperation } from './schemas/organization.schema.js';

export interface RenameOutcome {
  organization: OrganizationRecord;
  previous_collection: string;
  documents_migrated: number;
}

/**
 * The multi-step operations on an organization as a state machine stored on its document. Each
 * transition is a conditional update that one caller wins; each step after it is idempotent, so
 * whoever holds the operation's lease (the request, or the reconciler after a crash) can finish it.
 *
 * Transitions that concurrent callers contend for (start a rename or a delete, finish or abandon a
 * create) are first won by inserting a ticket for the epoch they leave (`transition:<org>:<epoch>`):
 * FerretDB's SQLite backend applies concurrent conditional updates of one document without
 * isolation, so several callers could each "win" the update itself, while only one insert of a
 * unique key succeeds everywhere. The update then also requires that epoch, so a caller that read
 * the organization before a whole rename went by (active -> migrating -> active) cannot act on it.
 * A crash can leave a ticket behind: the reconciler releases those once they are a lease old.
 */
@Injectable()
export class OrganizationLifecycleService {
  constructor(
    @InjectModel(Organization.name) private readonly organizations: Model<Organization>,
    private readonly claims: UniqueClaimService,
    private readonly admins: AdminAccountsService,
    private readonly tenants: TenantCollectionService,
    private readonly crashPoints: CrashPoints,
    private readonly config: AppConfig,
    readonly lifecycleMetrics: LifecycleMetrics,
  ) {}

  leaseUntil(): Date {
    return new Date(Date.now() + this.config.lifecycle.leaseSeconds * 1000);
  }

  /** Claims name and email, then provisioning -> active. Any failure undoes what was done. */
  @CountedLifecycleOperation('create')
  async create(input: { name: string; slug: string; email: string; passwordHash: string }): Promise<OrganizationRecord> {
    const orgId = new Types.ObjectId();
    const adminId = new Types.ObjectId();
    if (!(await this.claims.claim('org', input.slug, orgId))) throw new OrganizationNameTakenError();
    if (!(await this.claims.claim('email', input.email, adminId))) {
      await this.claims.release('org', input.slug, orgId);
      throw new AdminEmailTakenError();
    }
    this.crashPoints.reach('create.after-claims');
    const collectionName = tenantCollectionName(input.slug);
    try {
      await this.organizations.create({
        _id: orgId,
        name: input.name,
        slug: input.slug,
        collection_name: collectionName,
        status: OrganizationStatus.Provisioning,
        admin_id: adminId,
        lifecycle_epoch: 0,
        operation: { kind: 'create', lease_until: this.leaseUntil() } satisfies PendingOperation,
      });
      this.crashPoints.reach('create.after-org-insert');
      await this.admins.create({ _id: adminId, org_id: orgId, email: input.email, password_hash: input.passwordHash });
      this.crashPoints.reach('create.after-admin-insert');
      await this.tenants.create(collectionName);
      this.crashPoints.reach('create.after-collection');
      const active = await this.transitionFrom(orgId, 0, 'create.after-ticket', () =>
        this.organizations
          .findOneAndUpdate(
            { _id: orgId, status: OrganizationStatus.Provisioning, lifecycle_epoch: 0 },
            { $set: { status: OrganizationStatus.Active }, $unset: { operation: 1 }, $inc: { lifecycle_epoch: 1 } },
            { returnDocument: 'after' },
          )
          .lean<OrganizationRecord>(),
      );
      // Only if the reconciler took over a create that outlived its lease.
      if (!active) throw new OrganizationBusyError('Organization creation was interrupted; retry');
      return active;
    } catch (error) {
      await this.abandonCreate(orgId);
      throw error;
    }
  }

  /** Turns a create that cannot finish into a delete and completes it. */
  async abandonCreate(orgId: Types.ObjectId, expectedLeaseUntil?: Date): Promise<void> {
    const filter: Record<string, unknown> = { _id: orgId, status: OrganizationStatus.Provisioning, lifecycle_epoch: 0 };
    if (expectedLeaseUntil) filter['operation.lease_until'] = expectedLeaseUntil;
    const deleting = await this.transitionFrom(orgId, 0, undefined, () =>
      this.organizations
        .findOneAndUpdate(
          filter,
          {
            $set: { status: OrganizationStatus.Deleting, operation: { kind: 'delete', lease_until: this.leaseUntil() } },
            $inc: { lifecycle_epoch: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean<OrganizationRecord>(),
    );
    if (deleting) {
      await this.completeDelete(deleting);
    } else if (!expectedLeaseUntil) {
      // The organization document was never written: only the claims exist.
      const exists = await this.organizations.exists({ _id: orgId });
      if (!exists) await this.claims.releaseOwnedBy([orgId]);
    }
  }

  /** active -> migrating (claims first), then moves the collection and finishes. */
  @CountedLifecycleOperation('rename')
  async rename(
    org: OrganizationRecord,
    target: { name: string; slug: string },
    adminChanges?: AdminCredentialChanges,
    previousEmail?: string,
  ): Promise<RenameOutcome> {
    if (!(await this.claims.claim('org', target.slug, org._id))) throw new OrganizationNameTakenError();
    if (adminChanges?.email && !(await this.claims.claim('email', adminChanges.email, org.admin_id))) {
      await this.claims.release('org', target.slug, org._id);
      throw new AdminEmailTakenError();
    }
    this.crashPoints.reach('rename.after-claims');
    const operation: PendingOperation = {
      kind: 'rename',
      lease_until: this.leaseUntil(),
      to_name: target.name,
      to_slug: target.slug,
      to_collection: tenantCollectionName(target.slug),
      ...(adminChanges ? { admin_changes: adminChanges } : {}),
    };
    const migrating = await this.transitionFrom(org._id, org.lifecycle_epoch, 'rename.after-ticket', () =>
      this.organizations
        .findOneAndUpdate(
          { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch },
          { $set: { status: OrganizationStatus.Migrating, operation }, $inc: { lifecycle_epoch: 1 } },
          { returnDocument: 'after' },
        )
        .lean<OrganizationRecord>(),
    );
    if (!migrating) {
      await this.claims.release('org', target.slug, org._id);
      if (adminChanges?.email) await this.claims.release('email', adminChanges.email, org.admin_id);
      throw new OrganizationBusyError();
    }
    this.crashPoints.reach('rename.after-transition');
    const outcome = await this.completeRename(migrating);
    if (previousEmail && adminChanges?.email && previousEmail !== adminChanges.email) {
      await this.claims.release('email', previousEmail, org.admin_id);
    }
    return outcome;
  }

  /** Rolls a rename forward from wherever it stopped: move, admin changes, migrating -> active. */
  async completeRename(org: OrganizationRecord): Promise<RenameOutcome> {
    const operation = org.operation as Required<Pick<PendingOperation, 'to_name' | 'to_slug' | 'to_collection'>> & PendingOperation;
    const moved = await this.tenants.move(org.collection_name, operation.to_collection, () => this.renewLease(org._id));
    this.crashPoints.reach('rename.after-move');
    if (operation.admin_changes) await this.admins.applyChanges(org.admin_id, operation.admin_changes);
    this.crashPoints.reach('rename.after-admin-changes');
    const active = await this.organizations
      .findOneAndUpdate(
        { _id: org._id, status: OrganizationStatus.Migrating },
        {
          $set: {
            status: OrganizationStatus.Active,
            name: operation.to_name,
            slug: operation.to_slug,
            collection_name: operation.to_collection,
          },
          $unset: { operation: 1 },
          $inc: { lifecycle_epoch: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<OrganizationRecord>();
    if (!active) throw new OrganizationBusyError('The rename was finished by another instance');
    this.crashPoints.reach('rename.after-finish');
    if (org.slug !== operation.to_slug) await this.claims.release('org', org.slug, org._id);
    return { organization: active, previous_collection: org.collection_name, documents_migrated: moved.documents };
  }

  /** Same slug, another spelling: only the name changes, won like any transition. */
  async changeDisplayName(org: OrganizationRecord, name: string): Promise<OrganizationRecord> {
    const renamed = await this.transitionFrom(org._id, org.lifecycle_epoch, undefined, () =>
      this.organizations
        .findOneAndUpdate(
          { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch },
          { $set: { name }, $inc: { lifecycle_epoch: 1 } },
          { returnDocument: 'after' },
        )
        .lean<OrganizationRecord>(),
    );
    if (!renamed) throw new OrganizationBusyError();
    return renamed;
  }

  /**
   * Email and/or password change without a rename. The admin's credential version plays the
   * epoch's part: one ticket per version, so of two concurrent changes exactly one applies.
   */
  async changeCredentials(adminId: Types.ObjectId, previousEmail: string, changes: AdminCredentialChanges): Promise<void> {
    if (changes.email && !(await this.claims.claim('email', changes.email, adminId))) throw new AdminEmailTakenError();
    const expectedVersion = changes.credential_version - 1;
    const applied = await this.withTicket(`${adminId.toHexString()}:cv${expectedVersion}`, undefined, () =>
      this.admins.applyChangesIfVersion(adminId, expectedVersion, changes),
    );
    if (!applied) {
      if (changes.email) await this.claims.release('email', changes.email, adminId);
      throw new OrganizationBusyError('The credentials were changed concurrently; retry');
    }
    if (changes.email) await this.claims.release('email', previousEmail, adminId);
  }

  /** active -> deleting, then removes everything. Returns the number of tenant documents removed. */
  @CountedLifecycleOperation('delete')
  async delete(org: OrganizationRecord): Promise<number> {
    const deleting = await this.transitionFrom(org._id, org.lifecycle_epoch, undefined, () =>
      this.organizations
        .findOneAndUpdate(
          { _id: org._id, status: OrganizationStatus.Active, lifecycle_epoch: org.lifecycle_epoch },
          {
            $set: { status: OrganizationStatus.Deleting, operation: { kind: 'delete', lease_until: this.leaseUntil() } },
            $inc: { lifecycle_epoch: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean<OrganizationRecord>(),
    );
    if (!deleting) throw new OrganizationBusyError();
    this.crashPoints.reach('delete.after-transition');
    return this.completeDelete(deleting);
  }

  /** Rolls a delete forward: drop the collection, remove admins, the organization, its claims. */
  async completeDelete(org: OrganizationRecord): Promise<number> {
    let documents = await this.tenants.drop(org.collection_name);
    if (org.operation?.to_collection) documents += await this.tenants.drop(org.operation.to_collection);
    this.crashPoints.reach('delete.after-drop');
    await this.admins.deleteByOrganization(org._id);
    this.crashPoints.reach('delete.after-admins');
    await this.organizations.deleteOne({ _id: org._id, status: OrganizationStatus.Deleting });
    await this.claims.releaseOwnedBy([org._id, org.admin_id]);
    return documents;
  }

  /** Takes over an operation whose lease ran out; null when another instance got there first. */
  async takeOver(org: OrganizationRecord): Promise<OrganizationRecord | null> {
    return this.organizations
      .findOneAndUpdate(
        { _id: org._id, status: org.status, 'operation.lease_until': org.operation?.lease_until },
        { $set: { 'operation.lease_until': this.leaseUntil() } },
        { returnDocument: 'after' },
      )
      .lean<OrganizationRecord>();
  }

  /**
   * Runs `transition` (a conditional update that leaves `epoch`) only for the one caller that wins
   * the ticket of that epoch (see the class comment); null for the others. Once the update is
   * written, its epoch condition alone refuses anyone who read the old epoch, so the ticket is
   * released. After an error it is kept (the write may still land) for the reconciler to release.
   */
  private transitionFrom(
    orgId: Types.ObjectId,
    epoch: number,
    crashPoint: CrashPoint | undefined,
    transition: () => Promise<OrganizationRecord | null>,
  ): Promise<OrganizationRecord | null> {
    return this.withTicket(`${orgId.toHexString()}:${epoch}`, crashPoint, transition);
  }

  /** Runs `change` only for the one caller that inserts the ticket; null for everyone else. */
  private async withTicket<T>(ticket: string, crashPoint: CrashPoint | undefined, change: () => Promise<T>): Promise<T | null> {
    const holder = new Types.ObjectId();
    if (!(await this.claims.claim('transition', ticket, holder))) return null;
    if (crashPoint) this.crashPoints.reach(crashPoint);
    const result = await change();
    await this.claims.release('transition', ticket, holder);
    return result;
  }

  private async renewLease(orgId: Types.ObjectId): Promise<void> {
    await this.organizations.updateOne(
      { _id: orgId, status: OrganizationStatus.Migrating },
      { $set: { 'operation.lease_until': this.leaseUntil() } },
    );
  }
}
