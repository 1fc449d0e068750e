import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ApiKeyUsage } from './api-key-usage.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKey, ApiKeySchema } from './persistence/api-key.schema.js';
import { ApiKeysRepository } from './persistence/api-keys.repository.js';

/** API keys: machine access to one organization. The global guard (auth/) asks ApiKeysService who a key is. */
@Module({
  imports: [MongooseModule.forFeature([{ name: ApiKey.name, schema: ApiKeySchema }]), AuditModule, OrganizationsModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeyUsage, ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
