import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { fieldPresence, type FieldOptions } from '../../common/validation/optional-field.js';
import { normalizeEmail } from '../email.js';
import { DEFAULT_PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH } from '../password-policy.js';

/** The account Swagger UI's examples create and log in with: an email under `.example`, a password the policy accepts. */
export const EXAMPLE_EMAIL = 'owner@acme.example';
export const EXAMPLE_PASSWORD = 'acme-owner-passphrase-2026';

/** The longest address SMTP allows (RFC 5321). */
export const EMAIL_MAX_LENGTH = 254;

/** An account email: trimmed and lower-cased, so compared case-insensitively. */
export function EmailField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    fieldPresence({ example: EXAMPLE_EMAIL, ...options }, { format: 'email', maxLength: EMAIL_MAX_LENGTH }),
    Transform(normalizeEmail),
    IsEmail(),
    MaxLength(EMAIL_MAX_LENGTH),
  );
}

/** A password being set: its length floor and blocklist are checked by the service (the floor is configurable). */
export function NewPasswordField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    fieldPresence({ example: EXAMPLE_PASSWORD, ...options }, { minLength: DEFAULT_PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
    IsString(),
    MaxLength(PASSWORD_MAX_LENGTH),
  );
}
