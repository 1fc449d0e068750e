import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Omittable } from './omittable.js';

export interface FieldOptions {
  /** The field may be left out (but not sent as null). */
  optional?: boolean;
}

/** The OpenAPI property (required or not) plus Omittable for optional fields, ahead of a field's own rules. */
export function fieldPresence(options: FieldOptions, openApi: ApiPropertyOptions = {}): PropertyDecorator {
  return options.optional ? applyDecorators(ApiPropertyOptional(openApi), Omittable()) : ApiProperty(openApi);
}
