import { Module } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config.js';
import { TenantCollectionService } from './tenant-collection.service.js';
import { TENANT_CONNECTION } from './tenant-connection.js';
import { TenantModelRegistry } from './persistence/tenant-model.registry.js';
import { TenantRecordsRepository } from './persistence/tenant-records.repository.js';

/** Owns the tenant database: the only module that names, creates, moves or drops tenant collections. */
@Module({
  providers: [
    {
      provide: TENANT_CONNECTION,
      inject: [getConnectionToken(), AppConfig],
      useFactory: (connection: Connection, config: AppConfig) => connection.useDb(config.mongo.tenantDbName, { useCache: true }),
    },
    TenantModelRegistry,
    TenantCollectionService,
    TenantRecordsRepository,
  ],
  exports: [TenantModelRegistry, TenantCollectionService, TenantRecordsRepository],
})
export class TenantsModule {}
