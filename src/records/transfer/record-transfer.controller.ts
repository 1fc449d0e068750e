import { Controller, Get, HttpCode, HttpStatus, Post, Req, StreamableFile, UnsupportedMediaTypeException } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Authenticated, CurrentMember } from '../../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../../common/access/authenticated-member.js';
import { MemberRole } from '../../common/access/member-role.js';
import { ErrorResponseDto } from '../../common/filters/error-response.dto.js';
import { Origin, type RequestOrigin } from '../../common/http/request-origin.js';
import { ImportResultDto } from './import-result.dto.js';
import { NDJSON } from './ndjson-content-type.js';
import { RecordExport } from './record-export.service.js';
import { RecordImport } from './record-import.service.js';

const EXPORT_EXAMPLE = [
  '{"type":"organization","id":"6b0259ce55575609c46323b0","organization_name":"Acme Corp",...}',
  '{"type":"member","id":"6b0259ce55575609c46323b1","email":"owner@acme.example","role":"owner",...}',
  '{"type":"record","id":"6b0259ce55575609c46323ba","data":{"sku":"A-1","qty":3},"created_at":"2026-12-06T08:00:00.000Z","updated_at":"2026-12-06T08:00:00.000Z"}',
].join('\n');

@ApiTags('records')
@Controller('org')
export class RecordTransferController {
  constructor(
    private readonly exporter: RecordExport,
    private readonly importer: RecordImport,
  ) {}

  /**
   * The organization as NDJSON: one line with the organization, one per member, then one per
   * record in `_id` order. Streamed as the client reads it; a move or rename meanwhile neither
   * loses nor repeats a record.
   */
  @Get('export')
  @ApiOperation({ operationId: 'exportOrganization' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({
    description: 'One JSON object per line',
    content: { [NDJSON]: { schema: { type: 'string', example: EXPORT_EXAMPLE } } },
  })
  async export(@CurrentMember() caller: AuthenticatedMember, @Origin() origin: RequestOrigin): Promise<StreamableFile> {
    const lines = await this.exporter.open(caller, origin);
    return new StreamableFile(Readable.from(lines, { objectMode: false }), { type: NDJSON });
  }

  /**
   * Record lines as the export writes them (its other lines are skipped), upserted by id: a
   * repeated import changes nothing, and after a dropped connection the rest can simply be sent.
   * Malformed lines are reported by number; the others are imported. At most IMPORT_MAX_BYTES.
   */
  @Post('import')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'importRecords' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiConsumes(NDJSON)
  @ApiBody({ schema: { type: 'string', example: EXPORT_EXAMPLE.split('\n')[2] } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiPayloadTooLargeResponse({ description: 'Over IMPORT_MAX_BYTES; the lines before the limit were imported', type: ErrorResponseDto })
  @ApiUnsupportedMediaTypeResponse({ description: `Not ${NDJSON}`, type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'The organization stayed busy (a rename or move) for 30 s; see Retry-After', type: ErrorResponseDto })
  import(
    @CurrentMember() caller: AuthenticatedMember,
    @Req() request: FastifyRequest,
    @Origin() origin: RequestOrigin,
  ): Promise<ImportResultDto> {
    const body = request.body;
    if (!(body instanceof Readable)) throw new UnsupportedMediaTypeException(`Send the records as ${NDJSON}`);
    return this.importer.import(caller, body, origin);
  }
}
