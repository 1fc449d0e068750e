import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../auth/email.js';
import { Omittable } from './omittable.js';
import { trimString } from './trim-string.js';

/** At least one field. A new name renames the organization and moves its collection. */
export class UpdateOrganizationDto {
  @Omittable()
  @Transform(trimString)
  @IsString()
  @MaxLength(100)
  organization_name?: string;

  @Omittable()
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @Omittable()
  @IsString()
  @MaxLength(1024)
  password?: string;
}
