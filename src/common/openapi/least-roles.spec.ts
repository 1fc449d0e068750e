import type { OpenAPIObject } from '@nestjs/swagger';
import { documentLeastRoles, LEAST_ROLE_BY_REQUEST_EXTENSION, LEAST_ROLE_EXTENSION, LEAST_ROLE_NOTE_EXTENSION } from './least-roles.js';

function documentWith(operation: Record<string, unknown>): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/x': { put: { responses: {}, ...operation } } } };
}

const descriptionOf = (document: OpenAPIObject) => document.paths['/x'].put?.description;

describe('documentLeastRoles', () => {
  it('states a plain least role, after the description', () => {
    const document = documentLeastRoles(documentWith({ description: 'Does x.', [LEAST_ROLE_EXTENSION]: 'admin' }));
    expect(descriptionOf(document)).toBe('Does x.\n\nLeast role: `admin`.');
  });

  it('adds what needs more in parentheses', () => {
    const document = documentLeastRoles(
      documentWith({ [LEAST_ROLE_EXTENSION]: 'admin', [LEAST_ROLE_NOTE_EXTENSION]: 'granting `owner` needs `owner`' }),
    );
    expect(descriptionOf(document)).toBe('Least role: `admin` (granting `owner` needs `owner`).');
  });

  it('states each case where the role depends on the request, not a bare least role', () => {
    const document = documentLeastRoles(
      documentWith({
        [LEAST_ROLE_EXTENSION]: 'viewer',
        [LEAST_ROLE_BY_REQUEST_EXTENSION]: 'renaming needs `admin`; your own password needs any role (`viewer`)',
      }),
    );
    expect(descriptionOf(document)).toBe(
      'Least role depends on the request: renaming needs `admin`; your own password needs any role (`viewer`).',
    );
    expect(descriptionOf(document)).not.toContain('Least role: `viewer`');
  });

  it('leaves operations that name no role alone', () => {
    expect(descriptionOf(documentLeastRoles(documentWith({ description: 'Public.' })))).toBe('Public.');
  });
});
