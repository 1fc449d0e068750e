import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { EmailField, EXAMPLE_PASSWORD } from '../../accounts/dto/credential-fields.js';
import { PASSWORD_MAX_LENGTH } from '../../accounts/password-policy.js';
import { Omittable } from '../../common/validation/omittable.js';
import { EXAMPLE_ORGANIZATION_NAME } from '../../organizations/dto/organization-name.field.js';

const OBJECT_ID = /^[0-9a-f]{24}$/;
const EXAMPLE_ORGANIZATION_ID = '6b0259ce55575609c46323ba';

export class LoginDto {
  /** The account's email (case-insensitive). */
  @EmailField()
  email: string;

  /** The account's password. */
  @ApiProperty({ example: EXAMPLE_PASSWORD, minLength: 1, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  /** Log into this organization (by id). Without either field: the only organization, or an account token. */
  @ApiPropertyOptional({ pattern: OBJECT_ID.source, example: EXAMPLE_ORGANIZATION_ID })
  @Omittable()
  @Matches(OBJECT_ID, { message: 'organization_id must be an organization id (24 lower-case hex digits)' })
  organization_id?: string;

  /** Log into this organization (by any name with its slug). */
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: EXAMPLE_ORGANIZATION_NAME })
  @Omittable()
  @IsString()
  @MaxLength(100)
  organization_name?: string;
}

export class SwitchOrganizationDto {
  /** The organization to act in; the caller's account must belong to it. */
  @ApiProperty({ pattern: OBJECT_ID.source, example: EXAMPLE_ORGANIZATION_ID })
  @Matches(OBJECT_ID, { message: 'organization_id must be an organization id (24 lower-case hex digits)' })
  organization_id: string;
}
