import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { RECORD_DATA } from './dto/record-data.openapi.js';
import { MemberRole } from '../common/access/member-role.js';
import { itemError } from '../common/filters/all-exceptions.filter.js';
import { RecordBatchDto, RecordBatchResultDto } from './dto/record-batch.dto.js';
import { RecordListQuery } from './dto/record-list.query.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { RecordsService } from './records.service.js';
import { TenantRateLimited } from './fair-share/tenant-rate-limited.decorator.js';

/** The one named schema of a record body (both POST and PUT take it); app.setup adds it to the document. */
const RECORD_BODY = { description: "The record's data", schema: { $ref: getSchemaPath(RECORD_DATA) } };

@ApiTags('records')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('org/records')
@TenantRateLimited()
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  /** Store a JSON object in the token's organization's collection. */
  @Post()
  @ApiOperation({ operationId: 'createRecord' })
  @Authenticated({ role: MemberRole.Member })
  @ApiBody(RECORD_BODY)
  @ApiCreatedResponse({
    type: RecordViewDto,
    links: Object.fromEntries(
      ['getRecord', 'replaceRecord', 'deleteRecord'].map((operationId) => [
        operationId,
        { operationId, parameters: { id: '$response.body#/id' } },
      ]),
    ),
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Quota exceeded: nothing was written', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'The organization is being migrated (see Retry-After), or a unique index holds the value already',
    type: ErrorResponseDto,
  })
  create(@CurrentMember() caller: AuthenticatedMember, @Body() body: Record<string, unknown>): Promise<RecordViewDto> {
    return this.records.create(caller, body);
  }

  /**
   * Create up to 1,000 records (1 MiB) at once, each checked like a single create: one result per
   * record, in order. Over the organization's quota, nothing is written (403).
   */
  @Post('batch')
  @ApiOperation({ operationId: 'createRecords' })
  @Authenticated({ role: MemberRole.Member })
  @ApiCreatedResponse({ type: RecordBatchResultDto })
  @ApiForbiddenResponse({ description: 'Quota exceeded: nothing was written', type: ErrorResponseDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is being migrated; see Retry-After', type: ErrorResponseDto })
  async createBatch(@CurrentMember() caller: AuthenticatedMember, @Body() body: RecordBatchDto): Promise<RecordBatchResultDto> {
    const items = await this.records.createBatch(caller, body.records);
    return { items: items.map((item) => ('id' in item ? { id: item.id } : { error: itemError(item.error) })) };
  }

  /** The organization's records, filtered and sorted (default: all, in `_id` order). */
  @Get()
  @ApiOperation({ operationId: 'listRecords' })
  @Authenticated()
  @ApiOkResponse({ type: RecordPageDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: RecordListQuery): Promise<RecordPageDto> {
    return this.records.list(caller, query);
  }

  /** One record of the organization. */
  @Get(':id')
  @ApiIdParam('record')
  @ApiOperation({ operationId: 'getRecord' })
  @Authenticated()
  @ApiOkResponse({ type: RecordViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@CurrentMember() caller: AuthenticatedMember, @IdParam('record') id: string): Promise<RecordViewDto> {
    return this.records.get(caller, id);
  }

  /** Replace a record's data. */
  @Put(':id')
  @ApiIdParam('record')
  @ApiOperation({ operationId: 'replaceRecord' })
  @Authenticated({ role: MemberRole.Member })
  @ApiBody(RECORD_BODY)
  @ApiOkResponse({ type: RecordViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiForbiddenResponse({ description: 'Quota exceeded: nothing was written', type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'The organization is being migrated (see Retry-After), or a unique index holds the value already',
    type: ErrorResponseDto,
  })
  replace(
    @CurrentMember() caller: AuthenticatedMember,
    @IdParam('record') id: string,
    @Body() body: Record<string, unknown>,
  ): Promise<RecordViewDto> {
    return this.records.replace(caller, id, body);
  }

  /** Delete a record. */
  @Delete(':id')
  @ApiIdParam('record')
  @ApiOperation({ operationId: 'deleteRecord' })
  @Authenticated({ role: MemberRole.Member })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is being migrated; see Retry-After', type: ErrorResponseDto })
  delete(@CurrentMember() caller: AuthenticatedMember, @IdParam('record') id: string): Promise<void> {
    return this.records.delete(caller, id);
  }
}
