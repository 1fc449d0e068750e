import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/paging/page.query.js';
import { AuditAction } from '../audit-action.js';

/** Newest first; pass back `next_cursor` for older events. */
export class AuditQuery extends PageQuery {
  /** Only events of this action. */
  @ApiPropertyOptional({
    enum: AuditAction,
    enumName: 'AuditAction',
    // The first leaves the filter empty in Swagger UI: every action.
    examples: { 'Every action': { summary: 'No filter' }, Logins: { value: AuditAction.LoginSucceeded } },
  })
  @IsOptional()
  @IsEnum(AuditAction)
  action?: AuditAction;
}
