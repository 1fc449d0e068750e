import { Module } from '@nestjs/common';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { OperatorKeysModule } from './operator-keys.module.js';
import { PlatformPlacementController } from './platform-placement.controller.js';
import { PlatformPlacementService } from './platform-placement.service.js';
import { PlatformOrganizationsController } from './platform-organizations.controller.js';
import { PlatformOrganizationsService } from './platform-organizations.service.js';

/**
 * `/platform/*`: the service's operators manage every organization with operator keys
 * (PLATFORM_API_KEYS). Builds on organizations and memberships; the global guard (AuthModule)
 * checks the keys through OperatorKeysModule alone.
 */
@Module({
  imports: [OperatorKeysModule, OrganizationsModule, MembershipsModule, TenantsModule],
  controllers: [PlatformOrganizationsController, PlatformPlacementController],
  providers: [PlatformOrganizationsService, PlatformPlacementService],
})
export class PlatformModule {}
