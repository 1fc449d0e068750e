import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { ORGANIZATION_NAME_MAX_LENGTH, ORGANIZATION_NAME_PATTERN } from '../organization-name.js';
import { Omittable } from './omittable.js';
import { trimWithin } from './trim-string.js';

export class OrganizationNameQuery {
  @ApiProperty({ pattern: ORGANIZATION_NAME_PATTERN })
  @Transform(trimWithin(ORGANIZATION_NAME_MAX_LENGTH))
  @IsString()
  @MaxLength(ORGANIZATION_NAME_MAX_LENGTH)
  organization_name: string;
}

/** DELETE /org/delete takes the name in the query string or in a JSON body. */
export class OptionalOrganizationNameDto {
  @ApiPropertyOptional({ pattern: ORGANIZATION_NAME_PATTERN })
  @Omittable()
  @Transform(trimWithin(ORGANIZATION_NAME_MAX_LENGTH))
  @IsString()
  @MaxLength(ORGANIZATION_NAME_MAX_LENGTH)
  organization_name?: string;
}
