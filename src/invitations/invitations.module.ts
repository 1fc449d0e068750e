import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { InvitationCompletion } from './invitation-completion.service.js';
import { InvitationsController } from './invitations.controller.js';
import { InvitationAcceptance, InvitationsService } from './invitations.service.js';
import { Invitation, InvitationSchema } from './persistence/invitation.schema.js';
import { InvitationsRepository } from './persistence/invitations.repository.js';

/** Inviting people (new or existing accounts) into an organization, and accepting invitations. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: Invitation.name, schema: InvitationSchema }]),
    AccountsModule,
    AuditModule,
    LocksModule,
    MembershipsModule,
    OrganizationsModule,
    TokensModule,
  ],
  controllers: [InvitationsController],
  providers: [InvitationsRepository, InvitationCompletion, InvitationsService, InvitationAcceptance],
})
export class InvitationsModule {}
