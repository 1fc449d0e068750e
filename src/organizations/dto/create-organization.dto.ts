import { EmailField, NewPasswordField } from '../../auth/dto/credential-fields.js';
import { OrganizationNameField } from './organization-name.field.js';

export class CreateOrganizationDto {
  /** At most 100 characters as sent; trimmed, with at least one letter or digit. Names with the same slug are the same organization. */
  @OrganizationNameField()
  organization_name: string;

  /** The organization's admin; unique across the service, case-insensitive. */
  @EmailField()
  email: string;

  /** At least PASSWORD_MIN_LENGTH (default 12) characters, at most 1024; very common passwords are refused. */
  @NewPasswordField()
  password: string;
}
