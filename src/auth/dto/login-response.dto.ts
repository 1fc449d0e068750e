import { ApiProperty } from '@nestjs/swagger';
import { MemberRole } from '../../common/access/member-role.js';

/** One of the account's memberships. */
export class AccountOrganizationDto {
  id: string;
  organization_name: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' })
  role: MemberRole;
  /** An operator suspended the organization: a token for it is issued, but its routes answer 403 "Organization suspended" until it is resumed. */
  suspended: boolean;
}

export class LoginResponseDto {
  /** HS256 JWT to send as `Authorization: Bearer <token>`. */
  access_token: string;
  /** Always `bearer`. */
  @ApiProperty({ enum: ['bearer'], enumName: 'TokenType' })
  token_type: 'bearer';
  /** Seconds until the token expires. */
  @ApiProperty({ type: 'integer' })
  expires_in: number;
  /** The account's id (the token's `sub`). */
  admin_id: string;
  /** The organization the token acts in; null for an account token (choose one with POST /admin/switch). */
  @ApiProperty({ type: String, nullable: true })
  org_id: string | null;
  /** The account's role there now (every request reads it again from the stored membership); null for an account token. */
  // A named enum that includes null: a nullable reference is not valid OpenAPI 3.0.
  @ApiProperty({ enum: [...Object.values(MemberRole), null], enumName: 'MemberRoleOrNull' })
  role: MemberRole | null;
  /** All of the account's organizations (at most 100; GET /me/organizations pages beyond), each saying whether it is suspended. */
  organizations: AccountOrganizationDto[];
}

export class AccountOrganizationPageDto {
  items: AccountOrganizationDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}
