import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TenantClusters } from './clusters/tenant-clusters.service.js';
import { TenantCollectionRegistry } from './persistence/tenant-collection.registry.js';
import { TenantRecordsRepository } from './persistence/tenant-records.repository.js';
import { TenantStorage } from './tenant-storage.service.js';
import { TenantUsageRepository } from './usage/tenant-usage.repository.js';
import { TenantUsagePart, TenantUsagePartSchema } from './usage/tenant-usage.schema.js';
import { TenantUsage } from './usage/tenant-usage.service.js';
import { UsageSlot } from './usage/usage-slot.js';
import { LocksModule } from '../common/locks/locks.module.js';

/**
 * Owns tenant data on every cluster: the only module that names, creates, moves or drops where an
 * organization's documents live. Others reach records only through a repository bound to one
 * organization's placement (TenantStorage.records).
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: TenantUsagePart.name, schema: TenantUsagePartSchema }]), LocksModule],
  providers: [
    TenantClusters,
    TenantCollectionRegistry,
    TenantRecordsRepository,
    TenantStorage,
    TenantUsageRepository,
    UsageSlot,
    TenantUsage,
  ],
  exports: [TenantClusters, TenantCollectionRegistry, TenantStorage, TenantUsage],
})
export class TenantsModule {}
