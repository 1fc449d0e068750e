import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

/** Schema name (the DTO class name) -> the fewest properties a body of it may have. */
const MIN_PROPERTIES = new Map<string, number>();

/** Documents a DTO rule the generated schema cannot carry: "at least `count` of the fields". */
export function ApiMinProperties(count: number): ClassDecorator {
  return (target) => {
    MIN_PROPERTIES.set(target.name, count);
  };
}

/**
 * Makes the OpenAPI document state what the validation pipe enforces: unknown fields are refused
 * (`forbidNonWhitelisted`), so every DTO schema is closed unless it declares otherwise (record
 * data does), and ApiMinProperties rules apply. Response DTOs are closed too, so a response that
 * grew a field (a hash, say) fails schema conformance instead of passing unnoticed.
 */
export function documentValidationRules(document: OpenAPIObject): OpenAPIObject {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    closeObjects(schema);
    const minProperties = MIN_PROPERTIES.get(name);
    if (minProperties !== undefined && !('$ref' in schema)) schema.minProperties = minProperties;
  }
  return document;
}

function closeObjects(schema: Schema): void {
  if ('$ref' in schema) return;
  if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  for (const property of Object.values(schema.properties ?? {})) closeObjects(property);
}
