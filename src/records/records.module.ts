import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { FairShareModule } from './fair-share/fair-share.module.js';
import { RecordsController } from './records.controller.js';
import { RecordsService } from './records.service.js';

@Module({
  imports: [OrganizationsModule, TenantsModule, FairShareModule],
  controllers: [RecordsController],
  providers: [RecordsService],
})
export class RecordsModule {}
