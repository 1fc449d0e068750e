import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../auth/email.js';
import { trimString } from './trim-string.js';

/** At least one field. A new name renames the organization and moves its collection. */
export class UpdateOrganizationDto {
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(100)
  organization_name?: string;

  @IsOptional()
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}
