import { Body, Controller, Get, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { CurrentOperator, OperatorAuthenticated } from '../common/access/operator-authenticated.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { OrganizationViewDto } from '../organizations/dto/organization.view.dto.js';
import { ChangePlacementDto, ClusterReportDto, MoveViewDto } from './dto/placement.dto.js';
import { PlatformPlacementService } from './platform-placement.service.js';

/** Where organizations' data lives: live moves between placements and clusters, and the clusters' state. */
@ApiTags('platform')
@OperatorAuthenticated()
@Controller('platform')
export class PlatformPlacementController {
  constructor(private readonly placement: PlatformPlacementService) {}

  /**
   * Move an organization's data to another placement (mode, cluster or both), live: reads are
   * served throughout, writes get 409 + Retry-After only during the cutover (at most about 2 s),
   * and afterwards the old placement is gone. 202 with the move to follow on
   * GET /platform/moves/{id}; 200 with the organization when its data is there already. A move
   * that finishes is audited as `organization.placement_changed` (one that rolls back is not).
   */
  @Post('organizations/:id/placement')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiIdParam('organization')
  @ApiOperation({ operationId: 'changeOrganizationPlacement' })
  @ApiAcceptedResponse({ type: MoveViewDto, description: 'The move started' })
  @ApiOkResponse({ type: OrganizationViewDto, description: 'The data is there already: nothing to move' })
  @ApiBadRequestResponse({ description: 'Unknown mode or cluster, a malformed id, or an unknown field', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such organization', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Another operation (rename, delete, move) holds the organization', type: ErrorResponseDto })
  async changePlacement(
    @IdParam('organization') id: string,
    @Body() body: ChangePlacementDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentOperator() operator: AuthenticatedOperator,
  ): Promise<MoveViewDto | OrganizationViewDto> {
    const outcome = await this.placement.changePlacement(id, body, operator);
    if ('move' in outcome) return outcome.move;
    reply.status(HttpStatus.OK);
    return outcome.organization;
  }

  /** A move's phase and progress. */
  @Get('moves/:id')
  @ApiIdParam('move')
  @ApiOperation({ operationId: 'getMove' })
  @ApiOkResponse({ type: MoveViewDto })
  @ApiBadRequestResponse({ description: 'A malformed id', type: ErrorResponseDto })
  @ApiNotFoundResponse({ description: 'No such move', type: ErrorResponseDto })
  move(@IdParam('move') id: string): Promise<MoveViewDto> {
    return this.placement.move(id);
  }

  /** Each tenant cluster: reachable, organizations per mode, collections and indexes against TENANT_COLLECTION_BUDGET. */
  @Get('clusters')
  @ApiOperation({ operationId: 'listClusters' })
  @ApiOkResponse({ type: ClusterReportDto, isArray: true })
  clusters(): Promise<ClusterReportDto[]> {
    return this.placement.clusterReports();
  }
}
