import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { UniquenessModule } from '../common/uniqueness/uniqueness.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { OrganizationCleanup } from './lifecycle/organization-cleanup.js';
import { OrganizationLifecycleService } from './lifecycle/organization-lifecycle.service.js';
import { OrganizationReconciler } from './lifecycle/organization-reconciler.service.js';
import { OrganizationOnboarding } from './organization-onboarding.service.js';
import { OrganizationSuspensions } from './organization-suspensions.service.js';
import { OrganizationUpdates } from './organization-updates.service.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsService } from './organizations.service.js';
import { Organization, OrganizationSchema } from './persistence/organization.schema.js';
import { OrganizationsRepository } from './persistence/organizations.repository.js';
import { Move, MoveJournalEntry, MoveJournalEntrySchema, MoveSchema } from './placement/move.schema.js';
import { MoveRunner } from './placement/move-runner.service.js';
import { MovesRepository } from './placement/moves.repository.js';
import { OrganizationMoves } from './placement/organization-moves.service.js';
import { PlacementPolicy } from './placement/placement-policy.service.js';
import { OrganizationQuotas } from './quotas/organization-quotas.service.js';

/** Organizations: their lifecycle (create, rename, delete, recovery), placement and moves, suspension and lookups. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Organization.name, schema: OrganizationSchema },
      { name: Move.name, schema: MoveSchema },
      { name: MoveJournalEntry.name, schema: MoveJournalEntrySchema },
    ]),
    AccountsModule,
    AuditModule,
    MembershipsModule,
    LocksModule,
    UniquenessModule,
    TenantsModule,
    TokensModule,
  ],
  controllers: [OrganizationsController],
  providers: [
    OrganizationsRepository,
    OrganizationsService,
    OrganizationOnboarding,
    OrganizationUpdates,
    OrganizationLifecycleService,
    OrganizationReconciler,
    OrganizationCleanup,
    OrganizationSuspensions,
    PlacementPolicy,
    MovesRepository,
    MoveRunner,
    OrganizationMoves,
    OrganizationQuotas,
  ],
  exports: [
    OrganizationsService,
    OrganizationReconciler,
    OrganizationCleanup,
    OrganizationSuspensions,
    OrganizationMoves,
    OrganizationQuotas,
  ],
})
export class OrganizationsModule {}
