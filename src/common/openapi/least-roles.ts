import type { OpenAPIObject } from '@nestjs/swagger';

/** Must match LEAST_ROLE_EXTENSION in the auth module (kept here to avoid a dependency on it). */
const EXTENSION = 'x-least-role';

/** Adds "Least role: `<role>`." to the description of every operation that names one. */
export function documentLeastRoles(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path)) {
      if (typeof operation !== 'object' || operation === null || !(EXTENSION in operation)) continue;
      const described = operation as { description?: string; [EXTENSION]?: string };
      const line = `Least role: \`${described[EXTENSION]}\`.`;
      described.description = described.description ? `${described.description}\n\n${line}` : line;
    }
  }
  return document;
}
