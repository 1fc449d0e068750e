import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UniqueClaim, UniqueClaimSchema } from './unique-claim.schema.js';
import { UniqueClaimsRepository } from './unique-claims.repository.js';
import { UniqueValueLookup } from './unique-value-lookup.service.js';

/** Unique organization slugs and account emails, claimed by inserting their key. */
@Module({
  imports: [MongooseModule.forFeature([{ name: UniqueClaim.name, schema: UniqueClaimSchema }])],
  providers: [UniqueClaimsRepository, UniqueValueLookup],
  exports: [UniqueClaimsRepository, UniqueValueLookup],
})
export class UniquenessModule {}
