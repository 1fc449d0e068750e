import type { OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI extension in which a route names its least role (set by @Authenticated()). */
export const LEAST_ROLE_EXTENSION = 'x-least-role';
/** Where a request can need more than the route's least role: what needs more (set by @Authenticated({roleNote})). */
export const LEAST_ROLE_NOTE_EXTENSION = 'x-least-role-note';
/**
 * Where the role a request needs depends on what it asks, each case with its role (set by
 * @Authenticated({roleByRequest})); `x-least-role` is then the least of them.
 */
export const LEAST_ROLE_BY_REQUEST_EXTENSION = 'x-least-role-by-request';

interface DescribedOperation {
  description?: string;
  [LEAST_ROLE_EXTENSION]?: string;
  [LEAST_ROLE_NOTE_EXTENSION]?: string;
  [LEAST_ROLE_BY_REQUEST_EXTENSION]?: string;
}

/**
 * Adds the least role to the description of every operation that names one: "Least role: `<role>`."
 * (with what needs more in parentheses), or, where it depends on the request, "Least role depends on
 * the request: <each case with its role>." rather than a bare least role that would promise too much.
 */
export function documentLeastRoles(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (typeof operation !== 'object' || operation === null || !(LEAST_ROLE_EXTENSION in operation)) continue;
      const described = operation as DescribedOperation;
      const note = described[LEAST_ROLE_NOTE_EXTENSION];
      const byRequest = described[LEAST_ROLE_BY_REQUEST_EXTENSION];
      const line = byRequest
        ? `Least role depends on the request: ${byRequest}.`
        : `Least role: \`${described[LEAST_ROLE_EXTENSION]}\`${note ? ` (${note})` : ''}.`;
      described.description = described.description ? `${described.description}\n\n${line}` : line;
    }
  }
  return document;
}
