import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UniqueClaim, UniqueClaimSchema } from './schemas/unique-claim.schema.js';
import { UniqueClaimService } from './unique-claim.service.js';

@Module({
  imports: [MongooseModule.forFeature([{ name: UniqueClaim.name, schema: UniqueClaimSchema }])],
  providers: [UniqueClaimService],
  exports: [UniqueClaimService],
})
export class ClaimsModule {}
