import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../auth/email.js';
import { DEFAULT_PASSWORD_MIN_LENGTH } from '../../auth/password-policy.js';
import { ApiMinProperties } from '../../common/openapi/validation-rules.js';
import { ORGANIZATION_NAME_MAX_LENGTH, ORGANIZATION_NAME_PATTERN } from '../organization-name.js';
import { Omittable } from './omittable.js';
import { trimWithin } from './trim-string.js';

/** At least one field. A new name renames the organization and moves its collection. */
@ApiMinProperties(1)
export class UpdateOrganizationDto {
  @ApiPropertyOptional({ pattern: ORGANIZATION_NAME_PATTERN })
  @Omittable()
  @Transform(trimWithin(ORGANIZATION_NAME_MAX_LENGTH))
  @IsString()
  @MaxLength(ORGANIZATION_NAME_MAX_LENGTH)
  organization_name?: string;

  @Omittable()
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ minLength: DEFAULT_PASSWORD_MIN_LENGTH })
  @Omittable()
  @IsString()
  @MaxLength(1024)
  password?: string;
}
