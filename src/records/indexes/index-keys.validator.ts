import { registerDecorator, type ValidationArguments } from 'class-validator';

/** A path in `data` as queries and indexes name it: 1-5 segments of `A-Za-z0-9_`. */
export const DATA_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+){0,4}$/;
export const MAX_INDEX_PATHS = 3;

/** The problem with an index's `keys`, or null when they are 1-3 data paths each 1 or -1. */
export function indexKeysProblem(keys: unknown): string | null {
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return 'keys must be an object of paths to 1 or -1';
  const entries = Object.entries(keys);
  if (entries.length === 0 || entries.length > MAX_INDEX_PATHS) return `keys must name 1 to ${MAX_INDEX_PATHS} paths`;
  for (const [path, direction] of entries) {
    if (!DATA_PATH.test(path)) return `keys: ${JSON.stringify(path)} is not a path of 1-5 segments of letters, digits and _`;
    if (direction !== 1 && direction !== -1) return `keys.${path} must be 1 or -1`;
  }
  return null;
}

export function IsIndexKeys(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIndexKeys',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => indexKeysProblem(value) === null,
        defaultMessage: (args: ValidationArguments) => indexKeysProblem(args.value) ?? 'keys are not valid',
      },
    });
}
