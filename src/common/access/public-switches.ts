import type { OpenAPIObject } from '@nestjs/swagger';
import { PUBLIC_WHEN_EXTENSION } from './operator-authenticated.decorator.js';
import { PUBLIC_SWITCH_VARIABLES, type PublicSwitch } from './route-access.js';

interface Operation {
  description?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
  [PUBLIC_WHEN_EXTENSION]?: string;
}

/**
 * States on each operator route that a configuration switch can open (`x-public-when`) what this
 * instance does: with the switch on, the operation is public (empty security, no 401), as the
 * guard treats it; either way its description says which variable decides. Runs before
 * documentHttpConventions, which reads the security.
 */
export function documentPublicSwitches(document: OpenAPIObject, switches: Readonly<Record<PublicSwitch, boolean>>): OpenAPIObject {
  const variables = Object.entries(PUBLIC_SWITCH_VARIABLES) as [PublicSwitch, string][];
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as unknown[]) {
      if (typeof operation !== 'object' || operation === null || !(PUBLIC_WHEN_EXTENSION in operation)) continue;
      const described = operation as Operation;
      const variable = described[PUBLIC_WHEN_EXTENSION];
      const open = variables.some(([name, candidate]) => candidate === variable && switches[name]);
      const line = open
        ? `Public on this instance (\`${variable}=true\`); an operator key is not needed.`
        : `Needs an operator key; public only where the service runs with \`${variable}=true\`.`;
      described.description = described.description ? `${described.description}\n\n${line}` : line;
      if (open) {
        described.security = [];
        delete described.responses?.['401'];
      }
    }
  }
  return document;
}
