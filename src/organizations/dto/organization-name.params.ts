import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiBody, ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../common/errors/domain.error.js';
import { ORGANIZATION_NAME_MAX_LENGTH, ORGANIZATION_NAME_PATTERN, ORGANIZATION_NAME_RULES } from '../organization-name.js';

const FIELD = 'organization_name';
const NAME_SCHEMA = {
  type: 'string',
  maxLength: ORGANIZATION_NAME_MAX_LENGTH,
  pattern: ORGANIZATION_NAME_PATTERN,
  example: 'Acme Corp',
} as const;

/** The JSON body DELETE /org/delete may carry; OrganizationNameToDelete reads and checks it. */
export class OptionalOrganizationNameDto {
  @ApiPropertyOptional({ ...NAME_SCHEMA, description: ORGANIZATION_NAME_RULES })
  organization_name?: string;
}

/** `organization_name` of a query string or a JSON body, as sent but trimmed; nothing else may be there. */
function nameIn(part: unknown, where: 'query string' | 'JSON body'): string | undefined {
  // No body at all, or a JSON null: the name comes from the query string, if anywhere.
  if (part === undefined || part === null) return undefined;
  if (typeof part !== 'object' || Array.isArray(part)) throw new InvalidInputError(`The ${where} must be an object`);
  let name: unknown;
  for (const [key, value] of Object.entries(part)) {
    if (key !== FIELD) throw new InvalidInputError(`property ${key} should not exist`);
    name = value;
  }
  if (name === undefined) return undefined;
  if (typeof name !== 'string') throw new InvalidInputError(`${FIELD} must be a string`);
  if ([...name].length > ORGANIZATION_NAME_MAX_LENGTH) {
    throw new InvalidInputError(`${FIELD} must be shorter than or equal to ${ORGANIZATION_NAME_MAX_LENGTH} characters`);
  }
  return name.trim();
}

/**
 * The one name a delete request gives, in its query string or its JSON body (both only if they
 * agree). Checked here, in one pass over both parts, rather than by two DTO validations: the rule
 * spans both, and the service checks the name's own rules. The same for GET /org/get's query.
 */
export function organizationNameToDelete(query: unknown, body: unknown): string {
  const fromQuery = nameIn(query, 'query string');
  const fromBody = nameIn(body, 'JSON body');
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw new InvalidInputError(`${FIELD} differs between query and body`);
  }
  const name = fromQuery ?? fromBody;
  if (name === undefined) throw new InvalidInputError(`${FIELD} is required (query or JSON body)`);
  return name;
}

/** GET /org/get's name: `organization_name`, the query string's only parameter. */
export function organizationNameOfQuery(query: unknown): string {
  const name = nameIn(query, 'query string');
  if (name === undefined) throw new InvalidInputError(`${FIELD} is required`);
  return name;
}

/** The `organization_name` query parameter (400 when it is missing or malformed). Pair with ApiOrganizationNameInQuery. */
export const OrganizationNameInQuery = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  organizationNameOfQuery(context.switchToHttp().getRequest<FastifyRequest>().query),
);

/** Documents the query parameter OrganizationNameInQuery reads. */
export function ApiOrganizationNameInQuery(): MethodDecorator {
  return ApiQuery({ name: FIELD, required: true, description: ORGANIZATION_NAME_RULES, schema: NAME_SCHEMA });
}

/** DELETE /org/delete's organization name, from its query string or JSON body (400 otherwise). Pair with ApiOrganizationNameToDelete. */
export const OrganizationNameToDelete = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return organizationNameToDelete(request.query, request.body);
});

/** Documents where OrganizationNameToDelete takes the name from. */
export function ApiOrganizationNameToDelete(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: FIELD, required: false, description: ORGANIZATION_NAME_RULES, schema: NAME_SCHEMA }),
    ApiBody({ type: OptionalOrganizationNameDto, required: false, description: 'Optional: the name may come in the query instead' }),
  );
}
