import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CURSOR_EXAMPLES, LimitQuery } from '../../common/paging/page.query.js';
import { CURSOR_MAX_LENGTH } from '../query/record-query.js';

/** Characters of a filter; the compiler also holds it to 8 KiB of UTF-8. */
const FILTER_MAX_LENGTH = 4096;

/** GET /org/records: a filtered, sorted page (SPEC "Tenant data API"). */
export class RecordListQuery extends LimitQuery {
  /** Opaque cursor from a previous page's `next_cursor`, for the same filter and sort. */
  @ApiPropertyOptional({ examples: CURSOR_EXAMPLES })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  cursor?: string;

  /**
   * A JSON object over paths in `data` (segments of `A-Za-z0-9_`, at most 5 deep) with `$eq $ne $gt
   * $gte $lt $lte $in $nin $exists`, combined with `$and`/`$or` (at most 3 levels, 20 conditions,
   * 100 `$in` values); values are JSON scalars.
   */
  // Matches the record POST /org/records's example creates, so "Try it out" in order lists it.
  @ApiPropertyOptional({ example: '{"sku":"A-1","qty":{"$gte":1}}' })
  @IsOptional()
  @IsString()
  @MaxLength(FILTER_MAX_LENGTH)
  filter?: string;

  /** One path in `data`, ascending, or descending with a leading `-`; `_id` breaks ties. Default: `_id` order. */
  @ApiPropertyOptional({ example: '-qty' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sort?: string;
}
