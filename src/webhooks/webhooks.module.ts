import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { LocksModule } from '../common/locks/locks.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { WebhookDispatcher } from './delivery/webhook-dispatcher.service.js';
import { WebhookFanOut } from './delivery/webhook-fan-out.service.js';
import { InternetWebhookNetwork, WebhookNetwork } from './delivery/webhook-network.js';
import { OrgWebhooksController } from './org-webhooks.controller.js';
import { WebhookDelivery, WebhookDeliverySchema } from './persistence/webhook-delivery.schema.js';
import { WebhookDeliveriesRepository } from './persistence/webhook-deliveries.repository.js';
import { WebhookEndpoint, WebhookEndpointSchema } from './persistence/webhook-endpoint.schema.js';
import { WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository.js';
import { PlatformWebhooksController } from './platform-webhooks.controller.js';
import { WebhookEndpointsService } from './webhook-endpoints.service.js';

/**
 * Webhooks: endpoints of organizations and of the platform, and the delivery of the events the
 * audit log's outbox holds, inside every instance (no process of its own).
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: WebhookEndpoint.name, schema: WebhookEndpointSchema },
      { name: WebhookDelivery.name, schema: WebhookDeliverySchema },
    ]),
    AuditModule,
    LocksModule,
    OrganizationsModule,
  ],
  controllers: [OrgWebhooksController, PlatformWebhooksController],
  providers: [
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    { provide: WebhookNetwork, useClass: InternetWebhookNetwork },
    WebhookEndpointsService,
    WebhookFanOut,
    WebhookDispatcher,
  ],
})
export class WebhooksModule {}
