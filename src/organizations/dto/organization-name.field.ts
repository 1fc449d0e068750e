import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { fieldPresence, type FieldOptions } from '../../common/validation/optional-field.js';
import { trimWithin } from '../../common/validation/trim-string.js';
import { ORGANIZATION_NAME_MAX_LENGTH, ORGANIZATION_NAME_PATTERN, ORGANIZATION_NAME_RULES } from '../organization-name.js';

/** What the document shows (and Swagger UI's "Try it out" sends) for a name. */
export const EXAMPLE_ORGANIZATION_NAME = 'Acme Corp';

/** `organization_name`: a string of at most 100 characters as sent, trimmed; the name rules are checked by the service. */
export function OrganizationNameField(options: FieldOptions = {}): PropertyDecorator {
  return applyDecorators(
    fieldPresence(
      { example: EXAMPLE_ORGANIZATION_NAME, ...options },
      {
        description: ORGANIZATION_NAME_RULES,
        pattern: ORGANIZATION_NAME_PATTERN,
        maxLength: ORGANIZATION_NAME_MAX_LENGTH,
      },
    ),
    Transform(trimWithin(ORGANIZATION_NAME_MAX_LENGTH)),
    IsString(),
    MaxLength(ORGANIZATION_NAME_MAX_LENGTH),
  );
}
