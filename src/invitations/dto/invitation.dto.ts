import { IsString, Matches, MaxLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { EmailField, NewPasswordField } from '../../accounts/dto/credential-fields.js';
import { MemberRole } from '../../common/access/member-role.js';
import { MemberRoleField } from '../../memberships/dto/member-role.field.js';

export class CreateInvitationDto {
  /** Who is invited: an existing account's email, or one whose account is created when the invitation is accepted. */
  @EmailField({ example: 'teammate@acme.example' })
  email: string;

  /** The role the new member gets; an admin may grant up to admin, only an owner may grant owner. */
  @MemberRoleField()
  role: MemberRole;
}

export class AcceptInvitationDto {
  /**
   * The token from the invitation's 201 answer (43 characters), as the application delivered it. A
   * value of these characters that is no pending invitation's token, whatever its length, is 404.
   */
  @ApiProperty({ pattern: '^[A-Za-z0-9_-]+$', maxLength: 64, example: 'q9WcX2kz7VbN4mRt8yLp1sDf6gHj3aEo5uIiT0rYwQe' })
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'invitation_token is not a valid token' })
  invitation_token: string;

  /**
   * For an email without an account: the new account's password (at least PASSWORD_MIN_LENGTH,
   * default 12, characters; at most 1024). For an existing account: its password, unless the
   * request carries the account's token.
   */
  @NewPasswordField({ optional: true, example: 'teammate-passphrase-2026' })
  password?: string;
}
