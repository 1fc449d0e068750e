import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { InvalidInputError } from '../errors/domain.error.js';

/** Checks a path parameter against its documented pattern (400 naming it otherwise). */
class PatternPipe implements PipeTransform<string, string> {
  private readonly pattern: RegExp;

  constructor(
    private readonly name: string,
    pattern: string,
    private readonly rule: string,
  ) {
    this.pattern = new RegExp(pattern);
  }

  transform(value: string): string {
    if (!this.pattern.test(value)) throw new InvalidInputError(`${this.name} must be ${this.rule}`);
    return value;
  }
}

/** A `:<name>` path parameter that must match `pattern`; `rule` says it in words for the 400. Pair with ApiPatternParam. */
export function PatternParam(name: string, pattern: string, rule: string): ParameterDecorator {
  return Param(name, new PatternPipe(name, pattern, rule));
}

/** Documents a `:<name>` path parameter as PatternParam checks it. */
export function ApiPatternParam(name: string, pattern: string, rule: string, example: string): MethodDecorator {
  return ApiParam({ name, description: rule, schema: { type: 'string', pattern, example } });
}
