import { IsString, Matches, MaxLength } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { EmailField, NewPasswordField } from '../../../auth/dto/credential-fields.js';
import { MemberRole } from '../../member-role.js';
import { MemberRoleField } from '../../dto/member-role.field.js';

export class CreateInvitationDto {
  /** Who is invited; the account is created with this email when the invitation is accepted. */
  @EmailField()
  email: string;

  /** The role the new member gets; an admin may grant up to admin, only an owner may grant owner. */
  @MemberRoleField()
  role: MemberRole;
}

export class AcceptInvitationDto {
  /** The token from the invitation's 201 answer, as the application delivered it. */
  @ApiProperty({ pattern: '^[A-Za-z0-9_-]{43}$' })
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'invitation_token is not a valid token' })
  invitation_token: string;

  /** The new member's password: at least PASSWORD_MIN_LENGTH (default 12) characters, at most 1024. */
  @NewPasswordField()
  password: string;
}
