import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject } from 'class-validator';
import { BATCH_MAX_RECORDS } from '../record-limits.js';

/** POST /org/records/batch: records to create, each checked like a single create. */
export class RecordBatchDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    minItems: 1,
    maxItems: BATCH_MAX_RECORDS,
    example: [
      { sku: 'A-1', qty: 3 },
      { sku: 'B-2', qty: 1 },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(BATCH_MAX_RECORDS)
  @IsObject({ each: true })
  records: Record<string, unknown>[];
}

/** Why one record of a batch was not created: the status and message a single create would have answered. */
export class RecordBatchErrorDto {
  @ApiProperty({ type: 'integer', example: 409 })
  statusCode: number;
  @ApiProperty({ example: 'Another record has the same value under a unique index of this organization' })
  message: string;
}

export class RecordBatchItemDto {
  /** The new record's id, when it was created. */
  @ApiProperty({ required: false, example: '6b0259ce55575609c46323ba' })
  id?: string;
  /** Why it was not created, when it was not. */
  @ApiProperty({ required: false, type: RecordBatchErrorDto })
  error?: RecordBatchErrorDto;
}

export class RecordBatchResultDto {
  /** One per record sent, in order. */
  items: RecordBatchItemDto[];
}
