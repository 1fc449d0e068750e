import { ApiProperty } from '@nestjs/swagger';
import { AuditAction } from '../audit-action.js';

export class AuditActorDto {
  @ApiProperty({ enum: ['account', 'api_key', 'operator'], enumName: 'AuditActorType' })
  type: 'account' | 'api_key' | 'operator';
  id: string;
  email?: string;
  /** An API key's name. */
  name?: string;
}

export class AuditTargetDto {
  @ApiProperty({ enum: ['organization', 'member', 'invitation', 'api_key', 'record_index', 'webhook'], enumName: 'AuditTargetType' })
  type: 'organization' | 'member' | 'invitation' | 'api_key' | 'record_index' | 'webhook';
  id: string;
  email?: string;
  name?: string;
}

export class AuditEventViewDto {
  id: string;
  at: Date;
  @ApiProperty({ enum: AuditAction, enumName: 'AuditAction' })
  action: AuditAction;
  /** Who did it; null for a failed login's unknown caller or work finished by recovery. */
  @ApiProperty({ type: AuditActorDto, nullable: true })
  actor: AuditActorDto | null;
  @ApiProperty({ type: AuditTargetDto, nullable: true })
  target: AuditTargetDto | null;
  @ApiProperty({ type: String, nullable: true })
  ip: string | null;
  @ApiProperty({ type: String, nullable: true })
  request_id: string | null;
  /** What changed (e.g. the old and new name or role); never a secret. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
}

export class AuditEventPageDto {
  items: AuditEventViewDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}
