import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../auth/email.js';
import { DEFAULT_PASSWORD_MIN_LENGTH } from '../../auth/password-policy.js';
import { ORGANIZATION_NAME_MAX_LENGTH, ORGANIZATION_NAME_PATTERN } from '../organization-name.js';
import { trimWithin } from './trim-string.js';

export class CreateOrganizationDto {
  /** At most 100 characters as sent; trimmed, with at least one letter or digit. Names with the same slug are the same organization. */
  @ApiProperty({ pattern: ORGANIZATION_NAME_PATTERN })
  @Transform(trimWithin(ORGANIZATION_NAME_MAX_LENGTH))
  @IsString()
  @MaxLength(ORGANIZATION_NAME_MAX_LENGTH)
  organization_name: string;

  /** The organization's admin; unique across the service, case-insensitive. */
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** At least PASSWORD_MIN_LENGTH (default 12) characters, at most 1024; very common passwords are refused. */
  @ApiProperty({ minLength: DEFAULT_PASSWORD_MIN_LENGTH })
  @IsString()
  @MaxLength(1024)
  password: string;
}
