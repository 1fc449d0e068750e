import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import { MemberRole } from '../../common/access/member-role.js';

/** A role: viewer, member, admin or owner. */
export function MemberRoleField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ enum: MemberRole, enumName: 'MemberRole', example: MemberRole.Member }),
    IsEnum(MemberRole, { message: 'role must be one of viewer, member, admin, owner' }),
  );
}
