import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../auth/email.js';
import { trimString } from './trim-string.js';

export class CreateOrganizationDto {
  /** 1-100 characters after trimming, with at least one letter or digit. Names with the same slug are the same organization. */
  @Transform(trimString)
  @IsString()
  @MaxLength(100)
  organization_name: string;

  /** The organization's admin; unique across the service, case-insensitive. */
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** At least PASSWORD_MIN_LENGTH (default 12) characters, at most 1024; very common passwords are refused. */
  @IsString()
  @MaxLength(1024)
  password: string;
}
