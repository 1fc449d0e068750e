import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { normalizeEmail } from '../email.js';

export class LoginDto {
  /** Admin email (case-insensitive). */
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email: string;

  /** Admin password. */
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}
