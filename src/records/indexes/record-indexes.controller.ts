import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { MemberRole } from '../../common/access/member-role.js';
import { ApiPatternParam, PatternParam } from '../../common/http/pattern.param.js';
import { ErrorResponseDto } from '../../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../../common/http/request-origin.js';
import { TenantRateLimited } from '../fair-share/tenant-rate-limited.decorator.js';
import { CreateRecordIndexDto, RecordIndexDto, RecordIndexListDto } from './record-index.dto.js';
import { RecordIndexesService } from './record-indexes.service.js';

/** Index names are made of their keys' paths and directions (`status_1_priority_-1`, `_unique` after). */
const INDEX_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,1024}$';
const INDEX_NAME_RULE = 'an index name: 1-1024 of A-Z a-z 0-9 _ . -';

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
  @ApiPatternParam('name', INDEX_NAME_PATTERN, INDEX_NAME_RULE, 'status_1_priority_-1')
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is in shared mode', type: ErrorResponseDto })
  drop(
    @CurrentMember() caller: AuthenticatedMember,
    @PatternParam('name', INDEX_NAME_PATTERN, INDEX_NAME_RULE) name: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    return this.indexes.drop(caller, name, origin);
  }
}
