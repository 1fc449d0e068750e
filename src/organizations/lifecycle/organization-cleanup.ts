import { Injectable } from '@nestjs/common';
import type { ObjectId } from '../../common/database/object-id.js';

/** A module above organizations that keeps data of an organization (invitations, API keys). */
export interface OrganizationDataOwner {
  /** Removes everything it keeps of the organization; repeating it after a crash changes nothing more. */
  deleteOrganizationData(orgId: ObjectId): Promise<void>;
  /** Finishes its own operations whose transition tickets a crash left (older than a lease). */
  finishInterrupted?(staleTickets: string[]): Promise<void>;
}

/**
 * Where modules that build on organizations register what an organization's delete must remove
 * (and how to finish their own operations a crash interrupted),
 * so that the lifecycle reaches their data without importing them (imports point one way).
 */
@Injectable()
export class OrganizationCleanup {
  private readonly owners: OrganizationDataOwner[] = [];

  register(owner: OrganizationDataOwner): void {
    this.owners.push(owner);
  }

  async deleteAll(orgId: ObjectId): Promise<void> {
    for (const owner of this.owners) await owner.deleteOrganizationData(orgId);
  }

  /** Before the reconciler releases tickets a crash left, their owners finish what each names. */
  async finishInterrupted(staleTickets: string[]): Promise<void> {
    for (const owner of this.owners) await owner.finishInterrupted?.(staleTickets);
  }
}
