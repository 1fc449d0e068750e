import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import type { Actor } from '../common/access/authenticated-member.js';
import { newObjectId, type ObjectId, toObjectId } from '../common/database/object-id.js';
import type { RequestOrigin } from '../common/http/request-origin.js';
import { DEFAULT_PAGE_SIZE, type PageQuery } from '../common/paging/page.query.js';
import { toPage } from '../common/paging/page.js';
import { AppConfig } from '../config/app-config.js';
import { OrganizationCleanup } from '../organizations/lifecycle/organization-cleanup.js';
import { newWebhookSecret } from './delivery/standard-webhooks.js';
import { LOOKUP_TIMEOUT_MS, WebhookNetwork, withTimeout } from './delivery/webhook-network.js';
import type { CreateWebhookEndpointDto } from './dto/webhook-endpoint.dto.js';
import type {
  CreatedWebhookEndpointDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryViewDto,
  WebhookEndpointPageDto,
  WebhookEndpointViewDto,
} from './dto/webhook-endpoint.view.dto.js';
import type { WebhookDeliveryRecord } from './persistence/webhook-delivery.schema.js';
import { WebhookDeliveriesRepository } from './persistence/webhook-deliveries.repository.js';
import type { WebhookEndpointRecord } from './persistence/webhook-endpoint.schema.js';
import { WebhookEndpointsRepository } from './persistence/webhook-endpoints.repository.js';
import { checkWebhookTarget } from './targets/webhook-target.js';
import { WebhookDeliveryNotFoundError, WebhookEndpointLimitError, WebhookNotFoundError } from './webhooks.errors.js';
import { sealSecret } from './webhook-secrets.js';

/** Endpoints one owner may have: enough for a few systems and environments, few enough that an event fans out cheaply. */
export const MAX_ENDPOINTS_PER_OWNER = 10;

/** Who manages endpoints: an organization's admin (`orgId` set), or an operator for the platform's (`orgId` null). */
export interface WebhookOwner {
  orgId: ObjectId | null;
  actor: Actor;
}

/**
 * An organization's (or the platform's) webhook endpoints and their delivery logs. Creating checks
 * the target as every delivery does; the secret is shown once and stored sealed. An organization's
 * changes are audited (so they are events too); an organization's delete removes its endpoints
 * and their deliveries.
 */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly audit: AuditLogService,
    private readonly network: WebhookNetwork,
    private readonly config: AppConfig,
    cleanup: OrganizationCleanup,
  ) {
    cleanup.register({ deleteOrganizationData: (orgId) => this.deleteOrganizationData(orgId) });
  }

  async create(owner: WebhookOwner, input: CreateWebhookEndpointDto, origin: RequestOrigin): Promise<CreatedWebhookEndpointDto> {
    const target = await checkWebhookTarget(input.url, {
      allowPrivate: this.config.webhooks.allowPrivateTargets,
      resolve: (host) => withTimeout(this.network.resolve(host), LOOKUP_TIMEOUT_MS),
    });
    // Counted, not reserved: two creations at once may end one over the limit, which only bounds fan-out cost.
    if ((await this.endpoints.countOwnedBy(owner.orgId)) >= MAX_ENDPOINTS_PER_OWNER) {
      throw new WebhookEndpointLimitError(`At most ${MAX_ENDPOINTS_PER_OWNER} webhook endpoints: delete one first`);
    }
    const secret = newWebhookSecret();
    const endpoint: WebhookEndpointRecord = {
      _id: newObjectId(),
      org_id: owner.orgId,
      url: target.url.href,
      events: input.events ?? [],
      sealed_secret: sealSecret(secret, this.config.webhooks.secretKeys[0]),
      created_at: new Date(),
      failing_since: null,
      disabled_at: null,
    };
    await this.endpoints.insert(endpoint);
    await this.recordChange(owner, AuditAction.WebhookCreated, endpoint, origin);
    return { ...toEndpointView(endpoint), secret };
  }

  async list(ownerId: ObjectId | null, query: PageQuery): Promise<WebhookEndpointPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const endpoints = await this.endpoints.page(ownerId, query.cursor ? toObjectId(query.cursor) : undefined, limit + 1);
    return toPage(endpoints, limit, toEndpointView);
  }

  /** Deletes the endpoint and its delivery log; deliveries still pending are not sent. */
  async delete(owner: WebhookOwner, id: string, origin: RequestOrigin): Promise<void> {
    const deleted = await this.endpoints.delete(owner.orgId, toObjectId(id));
    if (!deleted) throw new WebhookNotFoundError();
    await this.deliveries.deleteByEndpoints([deleted._id]);
    await this.recordChange(owner, AuditAction.WebhookDeleted, deleted, origin);
  }

  async deliveryLog(ownerId: ObjectId | null, endpointId: string, query: PageQuery): Promise<WebhookDeliveryPageDto> {
    const endpoint = await this.owned(ownerId, endpointId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const deliveries = await this.deliveries.page(endpoint._id, query.cursor ? toObjectId(query.cursor) : undefined, limit + 1);
    // Paged by event: the cursor is the last event id shown.
    return toPage(
      deliveries.map((delivery) => ({ ...delivery, _id: delivery.event_id })),
      limit,
      toDeliveryView,
    );
  }

  /**
   * Makes the delivery due now, retried again for the full horizon; a disabled endpoint is enabled
   * again (the owner says the receiver is back).
   */
  async retry(ownerId: ObjectId | null, endpointId: string, eventId: string): Promise<void> {
    const endpoint = await this.owned(ownerId, endpointId);
    const now = new Date();
    const retryUntil = new Date(now.getTime() + this.config.webhooks.retryForSeconds * 1000);
    // Enabled before the delivery is due: a pass that finds it due while the endpoint still reads disabled fails it again.
    if (endpoint.disabled_at) {
      if (!(await this.deliveries.findById(`${toObjectId(eventId).toHexString()}:${endpoint._id.toHexString()}`)))
        throw new WebhookDeliveryNotFoundError();
      await this.endpoints.enable(endpoint._id);
    }
    if (!(await this.deliveries.retry(endpoint._id, toObjectId(eventId), now, retryUntil))) throw new WebhookDeliveryNotFoundError();
  }

  async deleteOrganizationData(orgId: ObjectId): Promise<void> {
    const removed = await this.endpoints.deleteByOrganization(orgId);
    await this.deliveries.deleteByEndpoints(removed);
  }

  private async owned(ownerId: ObjectId | null, endpointId: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.endpoints.findOwned(ownerId, toObjectId(endpointId));
    if (!endpoint) throw new WebhookNotFoundError();
    return endpoint;
  }

  /** An organization's endpoint changes go to its audit log (and so are events); the platform's have no log. */
  private async recordChange(
    owner: WebhookOwner,
    action: AuditAction,
    endpoint: WebhookEndpointRecord,
    origin: RequestOrigin,
  ): Promise<void> {
    if (!owner.orgId) return;
    await this.audit.record({
      orgId: owner.orgId,
      action,
      actor: owner.actor,
      target: { type: 'webhook', id: endpoint._id.toHexString() },
      origin,
      details: { url: endpoint.url, events: endpoint.events },
    });
  }
}

function toEndpointView(endpoint: WebhookEndpointRecord): WebhookEndpointViewDto {
  return {
    id: endpoint._id.toHexString(),
    url: endpoint.url,
    events: endpoint.events,
    created_at: endpoint.created_at,
    disabled: endpoint.disabled_at !== null,
    disabled_at: endpoint.disabled_at,
    failing_since: endpoint.failing_since,
  };
}

function toDeliveryView(delivery: Omit<WebhookDeliveryRecord, '_id'>): WebhookDeliveryViewDto {
  return {
    event_id: delivery.event_id.toHexString(),
    event_type: delivery.event_type,
    attempts: delivery.attempts,
    status: delivery.status,
    last_status_code: delivery.last_status_code,
    last_response: delivery.last_response,
    last_attempt_at: delivery.last_attempt_at,
    next_attempt_at: delivery.next_attempt_at,
  };
}
