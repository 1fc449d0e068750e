import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Omittable } from './omittable.js';

export interface FieldOptions {
  /** The field may be left out (but not sent as null). */
  optional?: boolean;
  /** The realistic value Swagger UI's "Try it out" sends (SPEC: "What a person sees"). */
  example?: string;
}

/** The OpenAPI property (required or not) plus Omittable for optional fields, ahead of a field's own rules. */
export function fieldPresence(options: FieldOptions, openApi: ApiPropertyOptions = {}): PropertyDecorator {
  const documented = options.example === undefined ? openApi : { ...openApi, example: options.example };
  return options.optional ? applyDecorators(ApiPropertyOptional(documented), Omittable()) : ApiProperty(documented);
}
