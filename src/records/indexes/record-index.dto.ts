import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { IsIndexKeys } from './index-keys.validator.js';

/** POST /org/records/indexes. */
export class CreateRecordIndexDto {
  /** 1 to 3 paths in `data` (segments of `A-Za-z0-9_`, at most 5 deep), each 1 (ascending) or -1. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', enum: [1, -1] },
    minProperties: 1,
    maxProperties: 3,
    example: { status: 1, priority: -1 },
  })
  @IsIndexKeys()
  keys: Record<string, 1 | -1>;

  /** Refuse (409) a second record with the same values; records without the paths never conflict. */
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  unique?: boolean;
}

export class RecordIndexDto {
  @ApiProperty({ example: 'status_1_priority_-1' })
  name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer', enum: [1, -1] }, example: { status: 1, priority: -1 } })
  keys: Record<string, 1 | -1>;
  unique: boolean;
}

export class RecordIndexListDto {
  items: RecordIndexDto[];
}
