import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { MemberRole } from '../../common/access/member-role.js';
import { ErrorResponseDto } from '../../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../../common/http/request-origin.js';
import { TenantRateLimited } from '../fair-share/tenant-rate-limited.decorator.js';
import { CreateRecordIndexDto, RecordIndexDto, RecordIndexListDto } from './record-index.dto.js';
import { RecordIndexesService } from './record-indexes.service.js';

@ApiTags('records')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('org/records/indexes')
@TenantRateLimited()
export class RecordIndexesController {
  constructor(private readonly indexes: RecordIndexesService) {}

  /** Create an index on the organization's records (collection and database placement only). */
  @Post()
  @ApiOperation({ operationId: 'createRecordIndex' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiCreatedResponse({ type: RecordIndexDto })
  @ApiConflictResponse({
    description:
      'An index on these paths exists, the organization has TENANT_MAX_INDEXES, it is in shared mode, or (unique) records already share a value',
    type: ErrorResponseDto,
  })
  create(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: CreateRecordIndexDto,
    @Origin() origin: RequestOrigin,
  ): Promise<RecordIndexDto> {
    return this.indexes.create(caller, body, origin);
  }

  /** The organization's indexes on its records (none in shared mode). */
  @Get()
  @ApiOperation({ operationId: 'listRecordIndexes' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: RecordIndexListDto })
  async list(@CurrentMember() caller: AuthenticatedMember): Promise<RecordIndexListDto> {
    return { items: await this.indexes.list(caller) };
  }

  /** Drop one of the organization's indexes. */
  @Delete(':name')
  @ApiOperation({ operationId: 'dropRecordIndex' })
  @ApiParam({ name: 'name', example: 'status_1_priority_-1' })
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is in shared mode', type: ErrorResponseDto })
  drop(@CurrentMember() caller: AuthenticatedMember, @Param('name') name: string, @Origin() origin: RequestOrigin): Promise<void> {
    return this.indexes.drop(caller, name, origin);
  }
}
