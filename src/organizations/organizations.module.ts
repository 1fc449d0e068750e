import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuthModule } from '../auth/auth.module.js';
import { ClaimsModule } from '../common/claims/claims.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { CrashPoints } from './crash-points.js';
import { OrganizationLifecycleService } from './organization-lifecycle.service.js';
import { OrganizationReconciler } from './organization-reconciler.service.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsService } from './organizations.service.js';
import { Lease, LeaseSchema } from './schemas/lease.schema.js';
import { Organization, OrganizationSchema } from './schemas/organization.schema.js';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Organization.name, schema: OrganizationSchema },
      { name: Lease.name, schema: LeaseSchema },
    ]),
    AuthModule,
    ClaimsModule,
    TenantsModule,
  ],
  controllers: [OrganizationsController],
  providers: [OrganizationsService, OrganizationLifecycleService, OrganizationReconciler, CrashPoints],
  exports: [OrganizationsService, OrganizationReconciler],
})
export class OrganizationsModule {}
