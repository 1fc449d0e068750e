import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { PageQuery } from '../common/paging/page.query.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyDto } from './dto/api-key.dto.js';
import { ApiKeyPageDto, CreatedApiKeyDto } from './dto/api-key.view.dto.js';

@ApiTags('api-keys')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('org/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Create an API key of the organization; the key is in this answer only. */
  @Post()
  @ApiOperation({
    operationId: 'createApiKey',
    description:
      "Machine access to the organization with a role: viewer, member or admin, not above the caller's own (never owner). " +
      'Send the key as `Authorization: Bearer <key>`: it acts on every organization route with its role; routes about a ' +
      "person's own account (`/me*`, `/admin/switch`, `/admin/logout*`, `PUT /org/update` credentials, `POST /org/create`, " +
      '`POST /invitations/accept`) answer 403. Only its SHA-256 is stored: a lost key cannot be shown again, only revoked.',
  })
  @Authenticated({ role: MemberRole.Admin })
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    links: { revokeApiKey: { operationId: 'revokeApiKey', parameters: { id: '$response.body#/id' } } },
  })
  @ApiForbiddenResponse({ description: "The role asked for is owner, or above the caller's own", type: ErrorResponseDto })
  create(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: CreateApiKeyDto,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(caller, body, origin);
  }

  /** The organization's API keys in creation order, without the keys themselves. */
  @Get()
  @ApiOperation({ operationId: 'listApiKeys' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: PageQuery): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(caller, query);
  }

  /** Revoke an API key: it gets 401 from the next request (within 1 s on every instance). */
  @Delete(':id')
  @ApiIdParam('API key')
  @ApiOperation({ operationId: 'revokeApiKey' })
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No such API key in this organization', type: ErrorResponseDto })
  revoke(@CurrentMember() caller: AuthenticatedMember, @IdParam('API key') id: string, @Origin() origin: RequestOrigin): Promise<void> {
    return this.apiKeys.revoke(caller, id, origin);
  }
}
