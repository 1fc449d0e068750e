import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Lease, LeaseSchema } from './lease.schema.js';
import { LeasesRepository } from './leases.repository.js';
import { Locks } from './locks.service.js';
import { StepClaim, StepClaimSchema } from './step-claim.schema.js';
import { StepClaimsRepository } from './step-claims.repository.js';
import { TransitionTicket, TransitionTicketSchema } from './transition-ticket.schema.js';
import { TransitionTicketsRepository } from './transition-tickets.repository.js';

/** Mutual exclusion between instances, each lock won by inserting a unique `_id`. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Lease.name, schema: LeaseSchema },
      { name: TransitionTicket.name, schema: TransitionTicketSchema },
      { name: StepClaim.name, schema: StepClaimSchema },
    ]),
  ],
  providers: [LeasesRepository, TransitionTicketsRepository, StepClaimsRepository, Locks],
  exports: [Locks],
})
export class LocksModule {}
