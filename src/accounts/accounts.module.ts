import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { UniquenessModule } from '../common/uniqueness/uniqueness.module.js';
import { AccountsService } from './accounts.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { Account, AccountSchema } from './persistence/account.schema.js';
import { AccountsRepository } from './persistence/accounts.repository.js';

/** People: one account per email, its password and credential version. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Account.name, schema: AccountSchema }]), AuditModule, LocksModule, UniquenessModule],
  providers: [AccountsRepository, AccountsService, PasswordHasher],
  exports: [AccountsService, PasswordHasher],
})
export class AccountsModule {}
