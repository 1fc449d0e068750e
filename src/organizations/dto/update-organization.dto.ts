import { EmailField, NewPasswordField } from '../../accounts/dto/credential-fields.js';
import { ApiMinProperties } from '../../common/openapi/validation-rules.js';
import { OrganizationNameField } from './organization-name.field.js';

/** At least one field. A new name renames the organization and moves its collection. */
@ApiMinProperties(1)
export class UpdateOrganizationDto {
  @OrganizationNameField({ optional: true })
  organization_name?: string;

  @EmailField({ optional: true })
  email?: string;

  @NewPasswordField({ optional: true })
  password?: string;
}
