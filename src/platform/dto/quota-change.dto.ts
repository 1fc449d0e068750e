import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';

/** PUT /platform/organizations/:id/quota: the organization's limits; one left out takes the configured default. */
export class QuotaChangeDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 50_000 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000_000)
  max_documents?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1024, example: 104_857_600 })
  @Omittable()
  @IsInt()
  @Min(1024)
  @Max(Number.MAX_SAFE_INTEGER)
  max_bytes?: number;
}
