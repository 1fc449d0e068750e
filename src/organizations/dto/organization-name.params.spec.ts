import { InvalidInputError } from '../../common/errors/domain.error.js';
import { organizationNameOfQuery, organizationNameToDelete } from './organization-name.params.js';

describe('organizationNameToDelete', () => {
  it('takes the name from the query string or the JSON body, trimmed', () => {
    expect(organizationNameToDelete({ organization_name: ' Acme ' }, undefined)).toBe('Acme');
    expect(organizationNameToDelete({}, { organization_name: 'Acme' })).toBe('Acme');
    expect(organizationNameToDelete({ organization_name: 'Acme' }, null)).toBe('Acme');
  });

  it('accepts both when they agree, and refuses when they differ', () => {
    expect(organizationNameToDelete({ organization_name: 'Acme' }, { organization_name: ' Acme' })).toBe('Acme');
    expect(() => organizationNameToDelete({ organization_name: 'Acme' }, { organization_name: 'Other' })).toThrow(
      'organization_name differs between query and body',
    );
  });

  it.each([
    ['no name anywhere', {}, undefined, 'organization_name is required (query or JSON body)'],
    ['a JSON null body and no query name', {}, null, 'organization_name is required (query or JSON body)'],
    ['an unknown query field', { organization_name: 'Acme', x: '1' }, undefined, 'property x should not exist'],
    ['an unknown body field', {}, { organization_name: 'Acme', role: 'owner' }, 'property role should not exist'],
    ['a repeated query field', { organization_name: ['a', 'b'] }, undefined, 'organization_name must be a string'],
    ['a null name', {}, { organization_name: null }, 'organization_name must be a string'],
    ['an operator object', {}, { organization_name: { $ne: null } }, 'organization_name must be a string'],
    ['a body that is not an object', {}, ['Acme'], 'The JSON body must be an object'],
    [
      'a name over 100 characters as sent',
      { organization_name: `${'a'.repeat(100)} ` },
      undefined,
      'organization_name must be shorter than or equal to 100 characters',
    ],
  ])('refuses %s (400)', (_case, query, body, message) => {
    let thrown: unknown;
    try {
      organizationNameToDelete(query, body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as Error).message).toBe(message);
  });
});

describe('organizationNameOfQuery', () => {
  it('takes the only query parameter, trimmed', () => {
    expect(organizationNameOfQuery({ organization_name: '  Acme Corp ' })).toBe('Acme Corp');
  });

  it.each([
    ['no name', {}, 'organization_name is required'],
    ['an unknown parameter', { organization_name: 'x', extra: '1' }, 'property extra should not exist'],
    ['an operator-looking parameter', { 'organization_name[$ne]': 'x' }, 'property organization_name[$ne] should not exist'],
  ])('refuses %s (400)', (_case, query, message) => {
    expect(() => organizationNameOfQuery(query)).toThrow(new InvalidInputError(message));
  });
});
