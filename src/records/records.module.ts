import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { TenantsModule } from '../tenants/tenants.module.js';
import { FairShareModule } from './fair-share/fair-share.module.js';
import { RecordsController } from './records.controller.js';
import { RecordIndexesController } from './indexes/record-indexes.controller.js';
import { RecordIndexesService } from './indexes/record-indexes.service.js';
import { RecordWrites } from './record-writes.js';
import { RecordsService } from './records.service.js';
import { RecordExport } from './transfer/record-export.service.js';
import { RecordImport } from './transfer/record-import.service.js';
import { RecordTransferController } from './transfer/record-transfer.controller.js';

@Module({
  imports: [AuditModule, OrganizationsModule, MembershipsModule, TenantsModule, FairShareModule],
  controllers: [RecordIndexesController, RecordsController, RecordTransferController],
  providers: [RecordsService, RecordWrites, RecordIndexesService, RecordExport, RecordImport],
})
export class RecordsModule {}
