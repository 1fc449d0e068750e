import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { InvalidInputError } from '../errors/domain.error.js';

const OBJECT_ID_PATTERN = '^[0-9a-fA-F]{24}$';
const OBJECT_ID = new RegExp(OBJECT_ID_PATTERN);

/**
 * Checks a path id by its pattern alone: no DTO instance or validator run on routes that take only
 * an id. A performance choice over `ParseObjectIdPipe` plus a DTO (BENCHMARKS.md "What changed for these figures").
 */
class ObjectIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly what: string,
    private readonly name: string,
  ) {}

  transform(value: string): string {
    if (!OBJECT_ID.test(value)) throw new InvalidInputError(`${this.name} must be a 24-character hex ${this.what} id`);
    return value;
  }
}

/** The route's `:id` (or `:<name>`) path parameter, a 24-character hex id of a `what` (400 otherwise). Pair with ApiIdParam. */
export function IdParam(what: string, name = 'id'): ParameterDecorator {
  return Param(name, new ObjectIdPipe(what, name));
}

/** What the document shows for an id: one like those the service hands out. */
export const EXAMPLE_ID = '6b0259ce55575609c46323ba';

/** Documents the route's `:id` (or `:<name>`) path parameter as IdParam checks it. */
export function ApiIdParam(what: string, name = 'id', example = EXAMPLE_ID): MethodDecorator {
  return ApiParam({ name, description: `24-character hex ${what} id`, schema: { type: 'string', pattern: OBJECT_ID_PATTERN, example } });
}
