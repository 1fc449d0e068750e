import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/paging/page.query.js';
import { ORGANIZATION_NAME_MAX_LENGTH } from '../../organizations/organization-name.js';

/** A page of organizations in creation order, optionally only those whose name starts with `name_prefix`. */
export class PlatformOrganizationsQuery extends PageQuery {
  /**
   * Only organizations whose name starts with this, compared like names are (case, accents and
   * punctuation aside: by slug). 1-100 characters with at least one letter or digit.
   */
  @ApiPropertyOptional({ example: 'Acme', maxLength: ORGANIZATION_NAME_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(ORGANIZATION_NAME_MAX_LENGTH)
  name_prefix?: string;
}
