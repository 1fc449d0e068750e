import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentAdmin } from '../auth/authenticated.decorator.js';
import type { AuthenticatedAdmin } from '../auth/authenticated-admin.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { PageQuery } from '../common/paging/page.query.js';
import { RecordIdParamDto } from './dto/record-id.param.dto.js';
import { RecordPageDto, RecordViewDto } from './dto/record.view.dto.js';
import { RecordsService } from './records.service.js';

const RECORD_BODY = {
  description: 'Any JSON object up to 64 KiB; keys may not start with $ or contain a dot',
  schema: { type: 'object', additionalProperties: true, example: { sku: 'A-1', qty: 3 } },
};

@ApiTags('records')
@Authenticated()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('org/records')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  /** Store a JSON object in the token's organization's collection. */
  @Post()
  @ApiBody(RECORD_BODY)
  @ApiCreatedResponse({ type: RecordViewDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is being migrated; see Retry-After', type: ErrorResponseDto })
  create(@CurrentAdmin() admin: AuthenticatedAdmin, @Body() body: Record<string, unknown>): Promise<RecordViewDto> {
    return this.records.create(admin, body);
  }

  /** The organization's records in `_id` order. */
  @Get()
  @ApiOkResponse({ type: RecordPageDto })
  list(@CurrentAdmin() admin: AuthenticatedAdmin, @Query() query: PageQuery): Promise<RecordPageDto> {
    return this.records.list(admin, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: RecordViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@CurrentAdmin() admin: AuthenticatedAdmin, @Param() params: RecordIdParamDto): Promise<RecordViewDto> {
    return this.records.get(admin, params.id);
  }

  /** Replace a record's data. */
  @Put(':id')
  @ApiBody(RECORD_BODY)
  @ApiOkResponse({ type: RecordViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is being migrated; see Retry-After', type: ErrorResponseDto })
  replace(
    @CurrentAdmin() admin: AuthenticatedAdmin,
    @Param() params: RecordIdParamDto,
    @Body() body: Record<string, unknown>,
  ): Promise<RecordViewDto> {
    return this.records.replace(admin, params.id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization is being migrated; see Retry-After', type: ErrorResponseDto })
  delete(@CurrentAdmin() admin: AuthenticatedAdmin, @Param() params: RecordIdParamDto): Promise<void> {
    return this.records.delete(admin, params.id);
  }
}
