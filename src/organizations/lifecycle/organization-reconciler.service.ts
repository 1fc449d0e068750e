import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccountsService } from '../../accounts/accounts.service.js';
import { newObjectId } from '../../common/database/object-id.js';
import { LeaseKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import { StoredClaim, UniqueClaimsRepository } from '../../common/uniqueness/unique-claims.repository.js';
import { AppConfig } from '../../config/app-config.js';
import { TenantClusters } from '../../tenants/clusters/tenant-clusters.service.js';
import { placementOf } from '../../tenants/placement.js';
import { slugOfTenantCollection } from '../../tenants/tenant-collection-name.js';
import { TenantStorage } from '../../tenants/tenant-storage.service.js';
import { OrganizationStatus } from '../persistence/organization.schema.js';
import { OrganizationsRepository } from '../persistence/organizations.repository.js';
import { OrganizationCleanup } from './organization-cleanup.js';
import { OrganizationMoves } from '../placement/organization-moves.service.js';
import { OrganizationLifecycleService } from './organization-lifecycle.service.js';

const BATCH_SIZE = 200;

export interface ReconcileReport {
  ran: boolean;
  rolledBack: number;
  rolledForward: number;
  releasedClaims: number;
  droppedCollections: number;
  recreatedCollections: number;
  recoveredMoves: number;
  backfilledPlacements: number;
}

/**
 * Finishes what crashes interrupted, so every organization ends fully in its old or its new state:
 * - a create whose lease ran out is rolled back (it never answered 201);
 * - a rename or delete whose lease ran out is rolled forward (its steps are idempotent);
 * - claims nobody holds, tenant collections no organization references, and missing collections
 *   of active organizations are cleaned up or recreated.
 * Runs at start-up and every RECONCILE_INTERVAL_SECONDS, on one instance at a time (lease document).
 */
@Injectable()
export class OrganizationReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrganizationReconciler.name);
  private readonly instanceId = randomUUID();
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<ReconcileReport>;
  /** Where the walk over all claims resumes (see releaseOrphanClaims). */
  private claimWalkPosition?: StoredClaim;

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly locks: Locks,
    private readonly lifecycle: OrganizationLifecycleService,
    private readonly claims: UniqueClaimsRepository,
    private readonly accounts: AccountsService,
    private readonly cleanup: OrganizationCleanup,
    private readonly tenants: TenantStorage,
    private readonly clusters: TenantClusters,
    private readonly moves: OrganizationMoves,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.runInBackground();
    const intervalSeconds = this.config.lifecycle.reconcileIntervalSeconds;
    if (intervalSeconds > 0) {
      this.timer = setInterval(() => void this.runInBackground(), intervalSeconds * 1000);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; concurrent callers share the pass in progress. */
  reconcile(): Promise<ReconcileReport> {
    this.inFlight ??= this.pass().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async runInBackground(): Promise<void> {
    try {
      const report = await this.reconcile();
      const changed =
        report.rolledBack +
        report.rolledForward +
        report.releasedClaims +
        report.droppedCollections +
        report.recreatedCollections +
        report.recoveredMoves;
      if (changed > 0) this.logger.log({ report }, 'Reconciled interrupted lifecycle operations');
    } catch (error) {
      // The next pass retries; an outage must not take the process down.
      this.logger.warn({ err: error }, 'Reconciliation pass failed');
    }
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      ran: false,
      rolledBack: 0,
      rolledForward: 0,
      releasedClaims: 0,
      droppedCollections: 0,
      recreatedCollections: 0,
      recoveredMoves: 0,
      backfilledPlacements: 0,
    };
    if (!(await this.acquireLease())) return report;
    report.ran = true;
    report.backfilledPlacements = await this.organizations.backfillPlacements(BATCH_SIZE);
    await this.finishStaleOperations(report);
    report.recoveredMoves = await this.moves.recoverInterrupted();
    await this.releaseOrphanClaims(report);
    await this.reconcileCollections(report);
    return report;
  }

  private acquireLease(): Promise<boolean> {
    return this.locks.holdLease(LeaseKeys.reconciler, this.instanceId, this.config.lifecycle.leaseSeconds);
  }

  private async finishStaleOperations(report: ReconcileReport): Promise<void> {
    const stale = await this.organizations.findExpiredOperations(new Date(), BATCH_SIZE);
    for (const org of stale) {
      const taken = await this.lifecycle.takeOverExpired(org);
      if (!taken) continue;
      if (taken.status === OrganizationStatus.Provisioning) {
        await this.lifecycle.abandonCreate(taken._id, taken.operation?.lease_until);
        report.rolledBack += 1;
      } else if (taken.status === OrganizationStatus.Migrating) {
        await this.lifecycle.completeRename(taken);
        report.rolledForward += 1;
      } else {
        await this.lifecycle.completeDelete(taken);
        report.rolledForward += 1;
      }
    }
  }

  /**
   * A claim older than a lease whose owner does not hold (or is not about to hold) the value. A
   * transition ticket that old was left by a crash between winning a transition and writing it.
   *
   * Held claims are all old, so reading only the oldest page would never reach the rest. Each pass
   * checks the newest page (where a crash that just happened left its claims) and the next page
   * of a walk from the oldest claim on, so every claim is checked within a bounded number of passes.
   */
  private async releaseOrphanClaims(report: ReconcileReport): Promise<void> {
    const cutoff = new Date(Date.now() - this.config.lifecycle.leaseSeconds * 1000);
    await this.cleanup.finishInterrupted(await this.locks.heldSince(cutoff));
    report.releasedClaims += await this.locks.releaseHeldSince(cutoff);
    const newest = await this.claims.findClaimedBefore(cutoff, BATCH_SIZE, { newestFirst: true });
    const next = await this.claims.findClaimedBefore(cutoff, BATCH_SIZE, { after: this.claimWalkPosition });
    // A short page reached the newest claims: the next pass starts the walk again from the oldest.
    this.claimWalkPosition = next.length === BATCH_SIZE ? next[next.length - 1] : undefined;
    const pages = new Map([...newest, ...next].map((claim) => [claim.key, claim]));
    const held = await this.heldClaims([...pages.values()]);
    for (const [id, claim] of pages) {
      if (held.has(id)) continue;
      await this.claims.releaseExactly(claim);
      report.releasedClaims += 1;
    }
  }

  /**
   * Which of the claims their owner holds or is about to hold: an organization its slug or the
   * slug a rename moves it to, an account its email or the email a pending rename gives it. Owners
   * are read in one query per kind rather than one per claim.
   */
  private async heldClaims(claims: StoredClaim[]): Promise<Set<string>> {
    const accountIds = claims.filter(({ kind }) => kind === 'email').map(({ ownerId }) => ownerId);
    const accounts = await this.accounts.summaries(accountIds);
    const pendingEmails = new Set<string>();
    if (accountIds.length > 0) {
      for (const { operation } of await this.organizations.findPendingCredentialChanges(accountIds)) {
        const changes = operation?.credential_changes;
        if (changes?.email) pendingEmails.add(`${changes.account_id.toHexString()}:${changes.email}`);
      }
    }
    const orgIds = claims.filter(({ kind }) => kind === 'org').map(({ ownerId }) => ownerId);
    const orgs = new Map((await this.organizations.findClaimedValues(orgIds)).map((org) => [org._id.toHexString(), org]));
    const held = new Set<string>();
    for (const claim of claims) {
      const { kind, value, ownerId } = claim;
      const owner = ownerId.toHexString();
      if (kind === 'org') {
        const org = orgs.get(owner);
        if (org?.slug === value || org?.operation?.to_slug === value) held.add(claim.key);
      } else if (accounts.get(owner)?.email === value || pendingEmails.has(`${owner}:${value}`)) {
        held.add(claim.key);
      }
    }
    return held;
  }

  /**
   * Per cluster, collections are listed before organizations are read: a collection is only ever
   * created after the organization document naming it (its placement, its rename's or its move's
   * target), so anything listed and unreferenced looks orphaned. Its name may be taken by a new
   * organization meanwhile, so it is dropped only while the reconciler itself holds the slug's
   * claim: no organization can then own or create that collection. A cluster that cannot be
   * reached is skipped until a later pass.
   */
  private async reconcileCollections(report: ReconcileReport): Promise<void> {
    for (const cluster of this.clusters.names()) {
      try {
        await this.reconcileClusterCollections(cluster, report);
      } catch (error) {
        this.logger.warn({ err: error }, `Collections of tenant cluster ${cluster} not reconciled in this pass`);
      }
    }
  }

  private async reconcileClusterCollections(cluster: string, report: ReconcileReport): Promise<void> {
    const existing = new Set(await this.tenants.listTenantCollections(cluster));
    const referenced = new Set<string>();
    for (const org of await this.organizations.findCollectionReferences()) {
      const { placement, move } = org;
      if (move?.to.mode === 'collection' && move.to.cluster === cluster) referenced.add(move.to.collection);
      if (placement.mode !== 'collection' || placement.cluster !== cluster) continue;
      referenced.add(placement.collection);
      if (org.operation?.to_collection) referenced.add(org.operation.to_collection);
      // Listed before this organization was created or renamed into the name? Then it exists now.
      if (org.status === OrganizationStatus.Active && !existing.has(placement.collection) && !(await this.tenants.exists(placement))) {
        this.logger.error(`Active organization collection ${placement.collection} on ${cluster} was missing; recreating it empty`);
        await this.tenants.provision(placement);
        report.recreatedCollections += 1;
      }
    }
    for (const name of existing) {
      if (referenced.has(name)) continue;
      if (await this.dropWhileHoldingSlug(cluster, name)) report.droppedCollections += 1;
    }
  }

  private async dropWhileHoldingSlug(cluster: string, collectionName: string): Promise<boolean> {
    const slug = slugOfTenantCollection(collectionName);
    const holder = newObjectId();
    if (!(await this.claims.claim('org', slug, holder))) return false;
    try {
      const orphan = placementOf('collection', cluster, { id: holder.toHexString(), slug }, this.config.mongo.tenantDbName);
      await this.tenants.drop(holder, orphan);
    } finally {
      await this.claims.release('org', slug, holder);
    }
    return true;
  }
}
