import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { toObjectId } from '../common/database/object-id.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { MemberRole } from '../common/access/member-role.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditEventPageDto } from './dto/audit-event.view.dto.js';
import { AuditQuery } from './dto/audit.query.js';

@ApiTags('audit')
@Controller('org/audit')
export class AuditController {
  constructor(private readonly audit: AuditLogService) {}

  /** The organization's audit log, newest first. */
  @Get()
  @ApiOperation({ operationId: 'listAuditEvents' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: AuditQuery): Promise<AuditEventPageDto> {
    return this.audit.list(toObjectId(caller.orgId), query);
  }
}
