import { ApiProperty } from '@nestjs/swagger';
import { MemberRole } from '../../common/access/member-role.js';

export class MemberViewDto {
  id: string;
  email: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' })
  role: MemberRole;
  created_at: Date;
  updated_at: Date;
}

export class MemberPageDto {
  items: MemberViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}
