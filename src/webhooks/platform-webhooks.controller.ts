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
import type { AuthenticatedOperator } from '../common/access/authenticated-member.js';
import { CurrentOperator, OperatorAuthenticated } from '../common/access/operator-authenticated.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { ApiIdParam, IdParam } from '../common/http/object-id.param.js';
import { Origin, type RequestOrigin } from '../common/http/request-origin.js';
import { PageQuery } from '../common/paging/page.query.js';
import { CreateWebhookEndpointDto } from './dto/webhook-endpoint.dto.js';
import { CreatedWebhookEndpointDto, WebhookDeliveryPageDto, WebhookEndpointPageDto } from './dto/webhook-endpoint.view.dto.js';
import { WEBHOOK_ROUTE_DESCRIPTIONS } from './webhook-route-descriptions.js';
import { WebhookEndpointsService } from './webhook-endpoints.service.js';

const NOT_FOUND = { description: 'No such platform webhook endpoint (or delivery)', type: ErrorResponseDto };

/** Endpoints that receive every organization's events, for the team that runs the service. */
@ApiTags('platform')
@OperatorAuthenticated()
@ApiBadRequestResponse({ description: 'Invalid input or unknown field', type: ErrorResponseDto })
@Controller('platform/webhooks')
export class PlatformWebhooksController {
  constructor(private readonly webhooks: WebhookEndpointsService) {}

  /** Subscribe an endpoint to every organization's events; its secret is in this answer only. */
  @Post()
  @ApiOperation({ operationId: 'createPlatformWebhook', description: WEBHOOK_ROUTE_DESCRIPTIONS.create })
  @ApiCreatedResponse({
    type: CreatedWebhookEndpointDto,
    links: { deletePlatformWebhook: { operationId: 'deletePlatformWebhook', parameters: { id: '$response.body#/id' } } },
  })
  create(
    @CurrentOperator() operator: AuthenticatedOperator,
    @Body() body: CreateWebhookEndpointDto,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create({ orgId: null, actor: operator.actor }, body, origin);
  }

  /** The platform's endpoints in creation order, without their secrets. */
  @Get()
  @ApiOperation({ operationId: 'listPlatformWebhooks' })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(@Query() query: PageQuery): Promise<WebhookEndpointPageDto> {
    return this.webhooks.list(null, query);
  }

  /** Delete a platform endpoint and its delivery log. */
  @Delete(':id')
  @ApiIdParam('webhook endpoint')
  @ApiOperation({ operationId: 'deletePlatformWebhook' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  delete(
    @CurrentOperator() operator: AuthenticatedOperator,
    @IdParam('webhook endpoint') id: string,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    return this.webhooks.delete({ orgId: null, actor: operator.actor }, id, origin);
  }

  /** The endpoint's deliveries, newest event first. */
  @Get(':id/deliveries')
  @ApiIdParam('webhook endpoint')
  @ApiOperation({ operationId: 'listPlatformWebhookDeliveries', description: WEBHOOK_ROUTE_DESCRIPTIONS.deliveries })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiNotFoundResponse(NOT_FOUND)
  deliveries(@IdParam('webhook endpoint') id: string, @Query() query: PageQuery): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.deliveryLog(null, id, query);
  }

  /** Send a delivery again now (and for another retry horizon); enables a disabled endpoint. */
  @Post(':id/deliveries/:event_id/retry')
  @ApiIdParam('webhook endpoint')
  @ApiIdParam('event', 'event_id')
  @ApiOperation({ operationId: 'retryPlatformWebhookDelivery', description: WEBHOOK_ROUTE_DESCRIPTIONS.retry })
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ description: 'Due now: the next delivery pass sends it' })
  @ApiNotFoundResponse(NOT_FOUND)
  retry(@IdParam('webhook endpoint') id: string, @IdParam('event', 'event_id') eventId: string): Promise<void> {
    return this.webhooks.retry(null, id, eventId);
  }
}
