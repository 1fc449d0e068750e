import { BadRequestException, Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { CurrentOperator, OperatorAuthenticated } from '../common/access/operator-authenticated.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { DeletedOrganizationDto } from '../organizations/dto/organization.view.dto.js';
import { QuotaDto } from '../organizations/dto/quota.dto.js';
import { QuotaChangeDto } from './dto/quota-change.dto.js';
import {
  PlatformOrganizationDetailDto,
  PlatformOrganizationPageDto,
  PlatformOrganizationViewDto,
} from './dto/platform-organization.view.dto.js';
import { PlatformOrganizationsQuery } from './dto/platform-organizations.query.js';
import { PlatformOrganizationsService } from './platform-organizations.service.js';

const NOT_FOUND = { description: 'No such organization (or it is being created or deleted)', type: ErrorResponseDto };

/** Every organization, for the team that runs the service. Operator keys only (PLATFORM_API_KEYS). */
@ApiTags('platform')
@OperatorAuthenticated()
@ApiBadRequestResponse({
  description: 'Invalid input: a malformed id, cursor, limit or name_prefix, or an unknown parameter',
  type: ErrorResponseDto,
})
@Controller('platform/organizations')
export class PlatformOrganizationsController {
  constructor(private readonly organizations: PlatformOrganizationsService) {}

  /** All organizations in creation order, with their member counts and suspension; `name_prefix` keeps those whose name starts with it. */
  @Get()
  @ApiOperation({ operationId: 'listPlatformOrganizations' })
  @ApiOkResponse({ type: PlatformOrganizationPageDto })
  list(@Query() query: PlatformOrganizationsQuery): Promise<PlatformOrganizationPageDto> {
    return this.organizations.list(query);
  }

  /** One organization by id, with its member count and suspension. */
  @Get(':id')
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'getPlatformOrganization' })
  @ApiOkResponse({ type: PlatformOrganizationDetailDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@IdParam('organization') id: string): Promise<PlatformOrganizationDetailDto> {
    return this.organizations.get(id);
  }

  /**
   * Set the organization's quota: each limit given replaces the default (TENANT_MAX_DOCUMENTS,
   * TENANT_MAX_BYTES), each left out goes back to it. Writes over it get 403 "Quota exceeded";
   * what is stored already stays. Audited as `organization.quota_changed`.
   */
  @Put(':id/quota')
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'setPlatformOrganizationQuota' })
  @ApiOkResponse({ type: QuotaDto })
  @ApiNotFoundResponse(NOT_FOUND)
  setQuota(
    @IdParam('organization') id: string,
    @Body() body: QuotaChangeDto,
    @Req() request: FastifyRequest,
    @CurrentOperator() operator: AuthenticatedOperator,
    @Origin() origin: RequestOrigin,
  ): Promise<QuotaDto> {
    // `{}` (every limit back to its default) is meant; a request without a body is not.
    if (request.body === undefined || request.body === null) throw new BadRequestException('A JSON body is required');
    return this.organizations.setQuota(id, body, operator, origin);
  }

  /**
   * Suspend an organization: its members and API keys get 403 "Organization suspended" on its
   * routes (within a second on every instance) until it is resumed; logging in still works, and
   * its data is kept. Suspending a suspended organization changes nothing. Audited as
   * `organization.suspended`.
   */
  @Post(':id/suspend')
  @HttpCode(HttpStatus.OK)
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'suspendOrganization' })
  @ApiOkResponse({ type: PlatformOrganizationViewDto })
  @ApiNotFoundResponse(NOT_FOUND)
  suspend(
    @IdParam('organization') id: string,
    @CurrentOperator() operator: AuthenticatedOperator,
    @Origin() origin: RequestOrigin,
  ): Promise<PlatformOrganizationViewDto> {
    return this.organizations.suspend(id, operator, origin);
  }

  /** Lift a suspension; resuming an organization that is not suspended changes nothing. Audited as `organization.resumed`. */
  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'resumeOrganization' })
  @ApiOkResponse({ type: PlatformOrganizationViewDto })
  @ApiNotFoundResponse(NOT_FOUND)
  resume(
    @IdParam('organization') id: string,
    @CurrentOperator() operator: AuthenticatedOperator,
    @Origin() origin: RequestOrigin,
  ): Promise<PlatformOrganizationViewDto> {
    return this.organizations.resume(id, operator, origin);
  }

  /** Delete an organization as its owner's DELETE /org/delete would: its collection, memberships, invitations and audit log. */
  @Delete(':id')
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'deletePlatformOrganization' })
  @ApiOkResponse({ type: DeletedOrganizationDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({
    description: 'Another operation (create, rename, delete) holds the organization; see Retry-After',
    type: ErrorResponseDto,
  })
  delete(@IdParam('organization') id: string): Promise<DeletedOrganizationDto> {
    return this.organizations.delete(id);
  }
}
