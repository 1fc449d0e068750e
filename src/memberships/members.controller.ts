import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { PageQuery } from '../common/paging/page.query.js';
import { ChangeRoleDto } from './dto/change-role.dto.js';
import { MemberPageDto, MemberViewDto } from './dto/member.view.dto.js';
import { MemberRole } from '../common/access/member-role.js';
import { MembersService } from './members.service.js';

@ApiTags('members')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('org/members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  /** The organization's members in the order they joined. */
  @Get()
  @ApiOperation({ operationId: 'listMembers' })
  @Authenticated()
  @ApiOkResponse({ type: MemberPageDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: PageQuery): Promise<MemberPageDto> {
    return this.members.list(caller, query);
  }

  /** The caller's own membership. */
  @Get('me')
  @ApiOperation({ operationId: 'getCurrentMember' })
  @Authenticated()
  @ApiOkResponse({ type: MemberViewDto })
  @ApiNotFoundResponse({ description: 'The caller is an API key, which is no member', type: ErrorResponseDto })
  me(@CurrentMember() caller: AuthenticatedMember): Promise<MemberViewDto> {
    return this.members.me(caller);
  }

  /** Change a member's role. Granting, changing or removing `owner` needs an owner; the last owner cannot be demoted. */
  @Patch(':id')
  @ApiIdParam('member')
  @ApiOperation({ operationId: 'changeMemberRole' })
  @Authenticated({ role: MemberRole.Admin, roleNote: 'granting, changing or removing `owner` needs `owner`' })
  @ApiOkResponse({ type: MemberViewDto })
  @ApiNotFoundResponse({ description: 'No such member in this organization', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'No owner would remain, or the owners are being changed concurrently', type: ErrorResponseDto })
  changeRole(
    @CurrentMember() caller: AuthenticatedMember,
    @IdParam('member') id: string,
    @Body() body: ChangeRoleDto,
    @Origin() origin: RequestOrigin,
  ): Promise<MemberViewDto> {
    return this.members.changeRole(caller, id, body.role, origin);
  }

  /** Remove a member (admin; removing an owner needs an owner), or leave the organization (any member, its own id). */
  @Delete(':id')
  @ApiIdParam('member')
  @ApiOperation({ operationId: 'removeMember' })
  @Authenticated({
    roleByRequest:
      'removing yourself (leaving, your own id) needs any role (`viewer`); removing another member needs `admin`; removing an owner needs `owner`',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: "Removed; the membership's tokens stop working (the account and its other memberships stay)" })
  @ApiNotFoundResponse({ description: 'No such member in this organization', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'No owner would remain, or the owners are being changed concurrently', type: ErrorResponseDto })
  remove(@CurrentMember() caller: AuthenticatedMember, @IdParam('member') id: string, @Origin() origin: RequestOrigin): Promise<void> {
    return this.members.remove(caller, id, origin);
  }
}
