import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentMember } from '../common/access/authenticated.decorator.js';
import type { AuthenticatedMember } from '../common/access/authenticated-member.js';
import { MemberRole } from '../common/access/member-role.js';
import { toObjectId } from '../common/database/object-id.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { PageQuery } from '../common/paging/page.query.js';
import { CreateWebhookEndpointDto } from './dto/webhook-endpoint.dto.js';
import { CreatedWebhookEndpointDto, WebhookDeliveryPageDto, WebhookEndpointPageDto } from './dto/webhook-endpoint.view.dto.js';
import { WEBHOOK_ROUTE_DESCRIPTIONS } from './webhook-route-descriptions.js';
import { type WebhookOwner, WebhookEndpointsService } from './webhook-endpoints.service.js';

const NOT_FOUND = { description: 'No such webhook endpoint (or delivery) in this organization', type: ErrorResponseDto };

@ApiTags('webhooks')
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('org/webhooks')
export class OrgWebhooksController {
  constructor(private readonly webhooks: WebhookEndpointsService) {}

  /** Subscribe an endpoint to the organization's events; its secret is in this answer only. */
  @Post()
  @ApiOperation({ operationId: 'createWebhook', description: WEBHOOK_ROUTE_DESCRIPTIONS.create })
  @Authenticated({ role: MemberRole.Admin })
  @ApiCreatedResponse({
    type: CreatedWebhookEndpointDto,
    links: { deleteWebhook: { operationId: 'deleteWebhook', parameters: { id: '$response.body#/id' } } },
  })
  create(
    @CurrentMember() caller: AuthenticatedMember,
    @Body() body: CreateWebhookEndpointDto,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(ownerOf(caller), body, origin);
  }

  /** The organization's endpoints in creation order, without their secrets. */
  @Get()
  @ApiOperation({ operationId: 'listWebhooks' })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(@CurrentMember() caller: AuthenticatedMember, @Query() query: PageQuery): Promise<WebhookEndpointPageDto> {
    return this.webhooks.list(toObjectId(caller.orgId), query);
  }

  /** Delete an endpoint and its delivery log: nothing more is sent to it. */
  @Delete(':id')
  @ApiIdParam('webhook endpoint')
  @ApiOperation({ operationId: 'deleteWebhook' })
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(
    @CurrentMember() caller: AuthenticatedMember,
    @IdParam('webhook endpoint') id: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    return this.webhooks.delete(ownerOf(caller), id, origin);
  }

  /** The endpoint's deliveries, newest event first. */
  @Get(':id/deliveries')
  @ApiIdParam('webhook endpoint')
  @ApiOperation({ operationId: 'listWebhookDeliveries', description: WEBHOOK_ROUTE_DESCRIPTIONS.deliveries })
  @Authenticated({ role: MemberRole.Admin })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiNotFoundResponse(NOT_FOUND)
  deliveries(
    @CurrentMember() caller: AuthenticatedMember,
    @IdParam('webhook endpoint') id: string,
    @Query() query: PageQuery,
  ): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.deliveryLog(toObjectId(caller.orgId), id, query);
  }

  /** Send a delivery again now (and for another retry horizon); enables a disabled endpoint. */
  @Post(':id/deliveries/:event_id/retry')
  @ApiIdParam('webhook endpoint')
  @ApiIdParam('event', 'event_id')
  @ApiOperation({ operationId: 'retryWebhookDelivery', description: WEBHOOK_ROUTE_DESCRIPTIONS.retry })
  @Authenticated({ role: MemberRole.Admin })
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ description: 'Due now: the next delivery pass sends it' })
  @ApiNotFoundResponse(NOT_FOUND)
  retry(
    @CurrentMember() caller: AuthenticatedMember,
    @IdParam('webhook endpoint') id: string,
    @IdParam('event', 'event_id') eventId: string,
  ): Promise<void> {
    return this.webhooks.retry(toObjectId(caller.orgId), id, eventId);
  }
}

function ownerOf(caller: AuthenticatedMember): WebhookOwner {
  return { orgId: toObjectId(caller.orgId), actor: caller.actor };
}
