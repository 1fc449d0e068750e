import { EmailField, NewPasswordField } from '../../auth/dto/credential-fields.js';
import { OrganizationNameField } from './organization-name.field.js';

export class CreateOrganizationDto {
  @OrganizationNameField()
  organization_name: string;

  /** The organization's admin; unique across the service, case-insensitive. */
  @EmailField()
  email: string;

  /** At least PASSWORD_MIN_LENGTH (default 12) characters, at most 1024; very common passwords are refused. */
  @NewPasswordField()
  password: string;
}
