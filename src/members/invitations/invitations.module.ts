import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { AuthModule } from '../../auth/auth.module.js';
import { LocksModule } from '../../common/locks/locks.module.js';
import { UniquenessModule } from '../../common/uniqueness/uniqueness.module.js';
import { OrganizationsModule } from '../../organizations/organizations.module.js';
import { MembersModule } from '../members.module.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationsService } from './invitations.service.js';

/** Inviting people into an organization and accepting invitations. */
@Module({
  imports: [AuthModule, AuditModule, LocksModule, MembersModule, OrganizationsModule, UniquenessModule],
  controllers: [InvitationsController],
  providers: [InvitationsService],
})
export class InvitationsModule {}
