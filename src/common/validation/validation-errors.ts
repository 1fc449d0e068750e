import { ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { InvalidInputError } from '../errors/domain.error.js';

/**
 * Rules that say what a value is: when one of them fails, the others of the field fail only
 * because of it (`123` is no string, so it is not "shorter than 100 characters" either), so it is
 * the field's problem. The most basic first: an array field's rules for its items (`each`) come after isArray.
 */
const TYPE_RULES = ['isDefined', 'isArray', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject', 'isEnum', 'isIn', 'isEmail'];

/**
 * One message per field problem (SPEC, "What a person sees"): a field sent that must not be there,
 * a required field left out ("<field> is required"), else its first failed type rule, else its
 * first failed rule. Nested fields are named by their path (`records.0.sku`). Fields in the order
 * the DTO declares them, joined with "; ".
 */
export function fieldProblems(errors: ValidationError[], parentPath = ''): string[] {
  return errors.flatMap((error) => {
    const path = parentPath ? `${parentPath}.${error.property}` : error.property;
    const problem = fieldProblem(error, path);
    return [...(problem === null ? [] : [problem]), ...fieldProblems(error.children ?? [], path)];
  });
}

function fieldProblem(error: ValidationError, path: string): string | null {
  const constraints = error.constraints ?? {};
  const rules = Object.keys(constraints);
  if (rules.length === 0) return null;
  const prefix = (message: string) => (path === error.property ? message : `${path.slice(0, -error.property.length)}${message}`);
  // Unknown fields and values that are not objects at all: their own wording, which names them.
  if ('whitelistValidation' in constraints) return prefix(constraints.whitelistValidation);
  if ('unknownValue' in constraints) return prefix(constraints.unknownValue);
  // Optional fields skip their rules when left out (Omittable, IsOptional): an undefined value that was validated is a required one.
  if (error.value === undefined) return `${path} is required`;
  const rule = TYPE_RULES.find((name) => name in constraints) ?? rules[0];
  return prefix(constraints[rule]);
}

/** The global pipe's options: DTOs only, transformed, unknown fields refused, one message per field. */
export const VALIDATION_PIPE_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  // The value is read to tell a missing field from a malformed one; messages never repeat it.
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => new InvalidInputError(fieldProblems(errors).join('; ')),
};

/** The global ValidationPipe (app.module.ts); also what a test validates a DTO with. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe(VALIDATION_PIPE_OPTIONS);
}
