import { ApiProperty } from '@nestjs/swagger';
import { MemberRole } from '../../members/member-role.js';

export class LoginResponseDto {
  /** HS256 JWT to send as `Authorization: Bearer <token>`. */
  access_token: string;
  /** Always `bearer`. */
  @ApiProperty({ enum: ['bearer'], enumName: 'TokenType' })
  token_type: 'bearer';
  /** Seconds until the token expires. */
  @ApiProperty({ type: 'integer' })
  expires_in: number;
  /** The member's id (the token's `sub`). */
  admin_id: string;
  org_id: string;
  /** The member's role now; every request reads it again from the stored member. */
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' })
  role: MemberRole;
}
