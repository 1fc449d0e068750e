import { EmailField, NewPasswordField } from '../../accounts/dto/credential-fields.js';
import { OrganizationNameField } from './organization-name.field.js';

/**
 * Without a token: the owner's email and password (a new account, or an existing account's own
 * password). With a person's token: only the name; the caller's account becomes the owner.
 */
export class CreateOrganizationDto {
  @OrganizationNameField()
  organization_name: string;

  /** The owner's email (without a token); unique across the service, case-insensitive. */
  @EmailField({ optional: true })
  email?: string;

  /** A new account's password (at least PASSWORD_MIN_LENGTH, default 12, characters; at most 1024; very common ones refused), or an existing account's own. */
  @NewPasswordField({ optional: true })
  password?: string;
}
