import { InvalidInputError } from '../../common/errors/domain.error.js';
import { OrganizationNameField } from './organization-name.field.js';

export class OrganizationNameQuery {
  @OrganizationNameField()
  organization_name: string;
}

/** DELETE /org/delete takes the name in the query string or in a JSON body. */
export class OptionalOrganizationNameDto {
  @OrganizationNameField({ optional: true })
  organization_name?: string;
}

/** The one name a delete request gives, in its query or its body (both only if they agree). */
export function organizationNameToDelete(query: OptionalOrganizationNameDto, body: OptionalOrganizationNameDto | undefined): string {
  const fromQuery = query.organization_name;
  const fromBody = body?.organization_name;
  if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
    throw new InvalidInputError('organization_name differs between query and body');
  }
  const name = fromQuery ?? fromBody;
  if (name === undefined) throw new InvalidInputError('organization_name is required (query or JSON body)');
  return name;
}
