import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * A cursor's examples: none for the first page, which Swagger UI therefore leaves empty (it fills
 * a parameter's input with its first example, and a made-up cursor would page past what "Try it
 * out" just created), or a previous page's `next_cursor`.
 */
export const CURSOR_EXAMPLES = {
  'First page': { summary: 'No cursor: the first page' },
  'Next page': { summary: "A previous page's `next_cursor`", value: '6b0259ce55575609c46323ba' },
};

/** A page's size: the part every paged list shares. */
export class LimitQuery {
  /** Page size, 1-100 (default 20). */
  @ApiPropertyOptional({ type: 'integer', example: DEFAULT_PAGE_SIZE })
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
  @ApiPropertyOptional({ examples: CURSOR_EXAMPLES })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{24}$/, { message: 'cursor is not a valid cursor' })
  cursor?: string;
}
