import { Module } from '@nestjs/common';
import { TenantClusters } from './clusters/tenant-clusters.service.js';
import { TenantModelRegistry } from './persistence/tenant-model.registry.js';
import { TenantRecordsRepository } from './persistence/tenant-records.repository.js';
import { TenantStorage } from './tenant-storage.service.js';

/**
 * Owns tenant data on every cluster: the only module that names, creates, moves or drops where an
 * organization's documents live. Others reach records only through a repository bound to one
 * organization's placement (TenantStorage.records).
 */
@Module({
  providers: [TenantClusters, TenantModelRegistry, TenantRecordsRepository, TenantStorage],
  exports: [TenantClusters, TenantModelRegistry, TenantStorage],
})
export class TenantsModule {}
