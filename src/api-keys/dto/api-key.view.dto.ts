import { ApiProperty } from '@nestjs/swagger';
import { MemberRole } from '../../common/access/member-role.js';

export class ApiKeyViewDto {
  @ApiProperty({ example: '6b0259ce55575609c46323c4' })
  id: string;
  @ApiProperty({ example: 'CI deploy pipeline' })
  name: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole', example: MemberRole.Member })
  role: MemberRole;
  /** Who created it: an account id (or the id of the API key that did). */
  @ApiProperty({ example: '6b0259ce55575609c46323bb' })
  created_by: string;
  created_at: Date;
  /** Null: the key does not expire. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at: Date | null;
  /** When the key was last used, written at most a minute (API_KEY_USAGE_FLUSH_SECONDS) late; null before its first use. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyViewDto {
  /** Shown only here, once: send it as `Authorization: Bearer <key>`. Only its SHA-256 is stored. */
  @ApiProperty({ pattern: '^oms_[A-Za-z0-9_-]{43}$', example: 'oms_3q2-7wE9cXvT0bq1mYk8Zr5uVd4sLhNf6aJgPi2oWxQ' })
  key: string;
}

export class ApiKeyPageDto {
  items: ApiKeyViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
