import { IsString, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../password-policy.js';
import { EmailField } from './credential-fields.js';

export class LoginDto {
  /** Admin email (case-insensitive). */
  @EmailField()
  email: string;

  /** Admin password. */
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}
