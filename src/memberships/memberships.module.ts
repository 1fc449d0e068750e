import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { MembershipsService } from './memberships.service.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { Membership, MembershipSchema } from './persistence/membership.schema.js';
import { MembershipsRepository } from './persistence/memberships.repository.js';

/** Which accounts belong to which organizations, with which role. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Membership.name, schema: MembershipSchema }]), AccountsModule, AuditModule, LocksModule],
  controllers: [MembersController],
  providers: [MembershipsRepository, MembershipsService, MembersService],
  exports: [MembershipsService, MembersService],
})
export class MembershipsModule {}
