import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A page's size: the part every paged list shares. */
export class LimitQuery {
  /** Page size, 1-100 (default 20). */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

/** Cursor pagination in `_id` order: pass back `next_cursor` to get the following page. */
export class PageQuery extends LimitQuery {
  /** Opaque cursor from a previous page's `next_cursor`. */
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{24}$/, { message: 'cursor is not a valid cursor' })
  cursor?: string;
}
