import { ApiProperty } from '@nestjs/swagger';
import { OrganizationViewDto } from '../../organizations/dto/organization.view.dto.js';
import { MemberViewDto } from '../../memberships/dto/member.view.dto.js';
import { MemberRole } from '../../common/access/member-role.js';

export class InvitationViewDto {
  id: string;
  email: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' })
  role: MemberRole;
  /** The id of the member who invited. */
  invited_by: string;
  created_at: Date;
  expires_at: Date;
}

export class CreatedInvitationDto extends InvitationViewDto {
  /** Shown only here, once: deliver it to the invitee (e.g. in a link); only its hash is stored. */
  invitation_token: string;
}

export class InvitationPageDto {
  items: InvitationViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export class AcceptedInvitationDto {
  member: MemberViewDto;
  organization: OrganizationViewDto;
  /** A token for the new member, as /admin/login gives. */
  access_token: string;
  /** Always `bearer`. */
  @ApiProperty({ enum: ['bearer'], enumName: 'TokenType' })
  token_type: 'bearer';
  /** Seconds until the token expires. */
  @ApiProperty({ type: 'integer' })
  expires_in: number;
}
