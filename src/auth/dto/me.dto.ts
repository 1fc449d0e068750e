import { EmailField, NewPasswordField } from '../../accounts/dto/credential-fields.js';
import { ApiMinProperties } from '../../common/openapi/validation-rules.js';

export class AccountViewDto {
  id: string;
  email: string;
  created_at: Date;
  updated_at: Date;
}

/** At least one field. Every earlier token of the account stops working. */
@ApiMinProperties(1)
export class UpdateAccountDto {
  @EmailField({ optional: true })
  email?: string;

  @NewPasswordField({ optional: true })
  password?: string;
}

export class UpdatedAccountDto extends AccountViewDto {
  /** A fresh token (for the same organization as the token that made the change): all earlier ones get 401. */
  access_token: string;
}
