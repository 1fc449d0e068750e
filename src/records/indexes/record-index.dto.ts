import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { IsIndexKeys } from './index-keys.validator.js';

/** A path's direction: 1 ascending, -1 descending (0 is refused). */
const DIRECTION = { type: 'integer', minimum: -1, maximum: 1, description: '1 (ascending) or -1 (descending)' } as const;

/** POST /org/records/indexes. */
export class CreateRecordIndexDto {
  /** 1 to 3 paths in `data` (segments of `A-Za-z0-9_`, at most 5 deep), each 1 (ascending) or -1. */
  @ApiProperty({
    type: 'object',
    additionalProperties: DIRECTION,
    minProperties: 1,
    maxProperties: 3,
    example: { status: 1, priority: -1 },
  })
  @IsIndexKeys()
  keys: Record<string, 1 | -1>;

  /** Refuse (409) a second record with the same values; records without the paths never conflict. */
  @ApiPropertyOptional({ example: false })
  @Omittable()
  @IsBoolean()
  unique?: boolean;
}

export class RecordIndexDto {
  @ApiProperty({ example: 'status_1_priority_-1' })
  name: string;
  @ApiProperty({ type: 'object', additionalProperties: DIRECTION, example: { status: 1, priority: -1 } })
  keys: Record<string, 1 | -1>;
  unique: boolean;
}

export class RecordIndexListDto {
  items: RecordIndexDto[];
}
