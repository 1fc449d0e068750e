import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { UniquenessModule } from '../common/uniqueness/uniqueness.module.js';
import { InvitationCompletion } from './invitations/invitation-completion.service.js';
import { Invitation, InvitationSchema } from './invitations/persistence/invitation.schema.js';
import { InvitationsRepository } from './invitations/persistence/invitations.repository.js';
import { MemberAccountsService } from './member-accounts.service.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { Member, MemberSchema } from './persistence/member.schema.js';
import { MembersRepository } from './persistence/members.repository.js';

/** The people of organizations: accounts, roles, and the invitations that add them. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Member.name, schema: MemberSchema },
      { name: Invitation.name, schema: InvitationSchema },
    ]),
    AuditModule,
    LocksModule,
    UniquenessModule,
  ],
  controllers: [MembersController],
  providers: [MembersRepository, MemberAccountsService, MembersService, InvitationsRepository, InvitationCompletion],
  exports: [MemberAccountsService, InvitationsRepository, InvitationCompletion],
})
export class MembersModule {}
