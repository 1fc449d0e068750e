import { ApiProperty } from '@nestjs/swagger';

export class ImportFailureDto {
  /** The line's number in the body, from 1. */
  @ApiProperty({ type: 'integer', example: 7 })
  line: number;
  @ApiProperty({ example: 'The line is not valid JSON' })
  message: string;
}

export class ImportResultDto {
  /** Records that did not exist and were created. */
  @ApiProperty({ type: 'integer', example: 980 })
  imported: number;
  /** Records that existed (by id) and now hold the imported version. */
  @ApiProperty({ type: 'integer', example: 20 })
  replaced: number;
  /** The lines that were not imported, in order (the first 1,000). */
  failed: ImportFailureDto[];
  /** Failed lines beyond the first 1,000, counted only. */
  @ApiProperty({ type: 'integer', example: 0 })
  failures_not_listed: number;
}
