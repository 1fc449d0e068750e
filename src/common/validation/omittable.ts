import { ValidateIf } from 'class-validator';

/**
 * The field may be left out. Unlike `@IsOptional()`, an explicit `null` is still validated (and so
 * refused by the field's type rule) instead of reaching the service as a value.
 */
export const Omittable = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
