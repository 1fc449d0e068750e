import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { UniquenessModule } from '../common/uniqueness/uniqueness.module.js';
import { MembersModule } from '../members/members.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { OrganizationLifecycleService } from './lifecycle/organization-lifecycle.service.js';
import { OrganizationReconciler } from './lifecycle/organization-reconciler.service.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsService } from './organizations.service.js';
import { Organization, OrganizationSchema } from './persistence/organization.schema.js';
import { OrganizationsRepository } from './persistence/organizations.repository.js';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: Organization.name, schema: OrganizationSchema }]),
    AuthModule,
    AuditModule,
    MembersModule,
    LocksModule,
    UniquenessModule,
    TenantsModule,
  ],
  controllers: [OrganizationsController],
  providers: [OrganizationsRepository, OrganizationsService, OrganizationLifecycleService, OrganizationReconciler],
  exports: [OrganizationsService, OrganizationReconciler],
})
export class OrganizationsModule {}
