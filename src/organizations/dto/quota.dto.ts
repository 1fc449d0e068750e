import { ApiProperty } from '@nestjs/swagger';

/** An organization's quota in effect: its operator's override where set, the configured default otherwise. */
export class QuotaDto {
  /** Records the organization may hold. */
  @ApiProperty({ type: 'integer', minimum: 1, example: 1_000_000 })
  max_documents: number;
  /** Bytes of record data (as JSON) the organization may hold. */
  @ApiProperty({ type: 'integer', minimum: 1024, example: 1_073_741_824 })
  max_bytes: number;
}

export class UsageDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1250 })
  documents: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 482_113 })
  bytes: number;
}
