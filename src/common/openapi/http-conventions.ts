import { getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import { reasonPhrase } from '../filters/error-body.js';
import { ErrorResponseDto } from '../filters/error-response.dto.js';

type Components = NonNullable<OpenAPIObject['components']>;
type Schema = NonNullable<Components['schemas']>[string];
type Header = NonNullable<Components['headers']>[string];

interface Response {
  description?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: Schema }>;
}

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}

export interface HttpConventionOptions {
  /** The server's body limit, stated in the 413 of every operation that takes a body. */
  bodyLimitBytes: number;
  /** Named schemas that no DTO class describes. */
  schemas?: Record<string, Schema>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const HEADERS: Record<string, Header> = {
  'X-Request-Id': {
    description:
      "The request's id: the caller's own `X-Request-Id` if it is a sane token, else a new UUID. Error bodies repeat it as `requestId`.",
    required: true,
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (a busy or migrating organization, throttling, a database outage).',
    schema: { type: 'integer', minimum: 0 },
  },
  Allow: {
    description: 'The methods the path serves, e.g. `GET, HEAD, POST`.',
    required: true,
    schema: { type: 'string' },
  },
  'WWW-Authenticate': {
    description:
      'The bearer challenge (RFC 6750): `Bearer` when no token was sent, `Bearer error="invalid_token"` when the token was refused.',
    required: true,
    schema: { type: 'string', example: 'Bearer error="invalid_token"' },
  },
};

const headerRef = (name: string): Header => ({ $ref: `#/components/headers/${name}` });

/** Statuses whose answer may say when to retry. */
const RETRY_AFTER_STATUSES = new Set(['409', '429', '503', 'default']);

/** What a response means when its route did not say: Nest leaves these descriptions empty. */
const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '204': 'Done; no content',
  '400': 'Invalid input: wrong type, unknown field, failed rule or malformed JSON',
  '404': 'Not found',
  '413': 'The body is larger than the limit',
};

/**
 * What every route shares, documented in one place instead of on each route: the response headers
 * the HTTP layer sends (X-Request-Id everywhere; Retry-After; Allow on 405; the bearer challenge on
 * 401), the answers any operation can give (405 from method-not-allowed.ts, 413 from the body limit,
 * and a `default` for the rest, e.g. 503 when the database is lost), explicit empty security on
 * public routes, descriptions for responses Nest left blank, plain `$ref`s where Nest wraps one
 * in an `allOf` with nothing beside it, and `nullable` on named enums that list null.
 */
export function documentHttpConventions(document: OpenAPIObject, options: HttpConventionOptions): OpenAPIObject {
  const components = (document.components ??= {});
  components.headers = { ...components.headers, ...HEADERS };
  components.schemas = { ...components.schemas, ...options.schemas };
  for (const schema of Object.values(components.schemas)) {
    unwrapLoneAllOf(schema);
    // An enum that lists null (MemberRoleOrNull) must say it is nullable, in OpenAPI 3.0.
    if ('enum' in schema && schema.enum?.includes(null)) schema.nullable = true;
  }
  for (const schema of Object.values(components.schemas)) typeNullableReferences(schema, components.schemas);
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method] as Operation | undefined;
      if (operation) documentOperation(operation, options);
    }
  }
  return document;
}

function documentOperation(operation: Operation, options: HttpConventionOptions): void {
  const isProtected = (operation.security ?? []).length > 0;
  operation.security ??= [];
  const responses = operation.responses;
  if (operation.requestBody !== undefined) {
    responses['413'] ??= errorResponse(`The body is larger than ${options.bodyLimitBytes / 1024} KiB`);
  } else if ((operation.parameters ?? []).length === 0) {
    // A controller's 400 covers its routes that take input; one without parameters or body cannot get it.
    delete responses['400'];
  }
  responses['405'] ??= errorResponse('The path does not serve this method; `Allow` lists those it does', { Allow: headerRef('Allow') });
  responses.default ??= errorResponse(
    'Any other error in the same shape: 503 (with Retry-After) when the database is unreachable, 500 on an unexpected failure',
  );
  for (const [status, response] of Object.entries(responses)) {
    if (!response.description) response.description = DEFAULT_DESCRIPTIONS[status] ?? reasonPhrase(Number(status));
    const headers: Record<string, Header> = { 'X-Request-Id': headerRef('X-Request-Id') };
    if (RETRY_AFTER_STATUSES.has(status)) headers['Retry-After'] = headerRef('Retry-After');
    if (status === '401' && isProtected) headers['WWW-Authenticate'] = headerRef('WWW-Authenticate');
    response.headers = { ...response.headers, ...headers };
  }
}

function errorResponse(description: string, headers: Record<string, Header> = {}): Response {
  return { description, headers, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } } };
}

/**
 * A property typed `T | null` in TypeScript comes out as `{nullable, allOf: [{$ref}]}` (Nest's CLI
 * plugin reads the `| null`); OpenAPI 3.0 wants a `type` beside `nullable`: the referenced schema's.
 */
function typeNullableReferences(schema: Schema, schemas: Record<string, Schema>): void {
  if ('$ref' in schema) return;
  for (const property of Object.values(schema.properties ?? {})) {
    if ('$ref' in property || !property.nullable || property.type !== undefined) continue;
    const ref = (property.allOf?.[0] as { $ref?: string } | undefined)?.$ref;
    const target = ref ? schemas[ref.slice(ref.lastIndexOf('/') + 1)] : undefined;
    if (target && !('$ref' in target) && target.type !== undefined) property.type = target.type;
  }
}

/** `{allOf: [{$ref}]}` alone -> `{$ref}`; kept where a description or nullable sits beside it, which a bare $ref would lose in OpenAPI 3.0. */
function unwrapLoneAllOf(schema: Schema): void {
  if ('$ref' in schema) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const keys = Object.keys(property);
    const allOf = (property as { allOf?: Schema[] }).allOf;
    if (allOf?.length === 1 && keys.length === 1) schema.properties![name] = allOf[0];
    else unwrapLoneAllOf(property);
  }
}
