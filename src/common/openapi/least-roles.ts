import type { OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI extension in which a route names its least role (set by @Authenticated()). */
export const LEAST_ROLE_EXTENSION = 'x-least-role';
/** Where a route's least role depends on the request: what needs more (set by @Authenticated({roleNote})). */
export const LEAST_ROLE_NOTE_EXTENSION = 'x-least-role-note';

/** Adds "Least role: `<role>`." to the description of every operation that names one. */
export function documentLeastRoles(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (typeof operation !== 'object' || operation === null || !(LEAST_ROLE_EXTENSION in operation)) continue;
      const described = operation as { description?: string; [LEAST_ROLE_EXTENSION]?: string; [LEAST_ROLE_NOTE_EXTENSION]?: string };
      const note = described[LEAST_ROLE_NOTE_EXTENSION];
      const line = `Least role: \`${described[LEAST_ROLE_EXTENSION]}\`${note ? ` (${note})` : ''}.`;
      described.description = described.description ? `${described.description}\n\n${line}` : line;
    }
  }
  return document;
}
