import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ObjectId } from '../../common/database/object-id.js';
import { LeaseKeys, StepKeys } from '../../common/locks/lock-keys.js';
import { Locks } from '../../common/locks/locks.service.js';
import { AppConfig } from '../../config/app-config.js';
import type { WebhookDeliveryRecord } from '../persistence/webhook-delivery.schema.js';
import { WebhookDeliveriesRepository } from '../persistence/webhook-deliveries.repository.js';
import type { WebhookEndpointRecord } from '../persistence/webhook-endpoint.schema.js';
import { WebhookEndpointsRepository } from '../persistence/webhook-endpoints.repository.js';
import { checkWebhookTarget, WebhookTargetRefusedError } from '../targets/webhook-target.js';
import { openSecret } from '../webhook-secrets.js';
import { signWebhook } from './standard-webhooks.js';
import { FAN_OUT_BATCH, WebhookFanOut } from './webhook-fan-out.service.js';
import { LOOKUP_TIMEOUT_MS, WebhookNetwork, withTimeout } from './webhook-network.js';
import { nextAttemptAt } from './retry-schedule.js';
import { type DeliveryOutcome, KEPT_RESPONSE_BYTES } from './webhook-sender.js';

const FAN_OUT_LEASE_SECONDS = 30;
/** An attempt's claim outlives the attempt: a lookup (at most 5 s) and a send (at most 10 s). */
const DELIVERY_CLAIM_SECONDS = 20;
/** Due deliveries read per pass. */
const DUE_BATCH = 200;
/** Lanes sending at once on one instance, and to one endpoint: a slow receiver holds at most this many sockets. */
export const MAX_LANES_IN_FLIGHT = 32;
export const MAX_LANES_PER_ENDPOINT = 4;
/** SPEC: a later event waits for an earlier one being retried for at most a minute. */
export const ORDER_WAIT_MS = 60_000;

type AttemptResult = 'delivered' | 'failed' | 'taken';

/**
 * Delivers the deliveries that are due, inside every instance. Each pass (every WEBHOOK_POLL_MS)
 * hands out new events if this instance holds the fan-out lease, then starts a task per lane (one
 * endpoint, one organization) that has due deliveries, without waiting for earlier tasks. A task
 * sends its lane's deliveries one at a time in event order; an attempt is made under the
 * delivery's own lease (won by an insert), so two instances never send one delivery at once.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly holder = randomUUID();
  private timer?: NodeJS.Timeout;
  private passing?: Promise<void>;
  private stopped = false;
  private fanOutLeaseUntil = 0;
  private readonly busyLanes = new Set<string>();
  private readonly lanesPerEndpoint = new Map<string, number>();
  private readonly tasks = new Set<Promise<void>>();

  constructor(
    private readonly fanOut: WebhookFanOut,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly locks: Locks,
    private readonly network: WebhookNetwork,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runPass(), this.config.webhooks.pollMs);
    this.timer.unref();
  }

  /** Stops starting attempts and lets those in flight end (each is bounded by the 10 s timeout). */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.passing;
    await Promise.allSettled([...this.tasks]);
    // Another instance takes over the fan-out at once, not when the term would have run out.
    if (this.fanOutLeaseUntil > Date.now()) await this.locks.releaseLease(LeaseKeys.webhookFanOut, this.holder).catch(() => undefined);
  }

  /** One pass; a pass still running when the next is due is not overlapped. */
  runPass(): Promise<void> {
    this.passing ??= this.pass()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Webhook pass failed; the next pass retries'))
      .finally(() => {
        this.passing = undefined;
      });
    return this.passing;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    if (await this.holdsFanOutLease()) {
      for (let batch = 0; batch < 10 && (await this.fanOut.handOutBatch()) === FAN_OUT_BATCH; batch += 1);
    }
    await this.startDueLanes();
  }

  private async holdsFanOutLease(): Promise<boolean> {
    const now = Date.now();
    // Renewed when a third of the term is left, not on every pass: one insert per 20 s, not per poll.
    if (now < this.fanOutLeaseUntil - (FAN_OUT_LEASE_SECONDS * 1000) / 3) return true;
    if (!(await this.locks.holdLease(LeaseKeys.webhookFanOut, this.holder, FAN_OUT_LEASE_SECONDS))) return false;
    this.fanOutLeaseUntil = now + FAN_OUT_LEASE_SECONDS * 1000;
    return true;
  }

  private async startDueLanes(): Promise<void> {
    if (this.busyLanes.size >= MAX_LANES_IN_FLIGHT) return;
    const due = await this.deliveries.due(new Date(), DUE_BATCH);
    const lanes = new Map<string, WebhookDeliveryRecord[]>();
    for (const delivery of due) {
      if (this.busyLanes.has(delivery.lane)) continue;
      const lane = lanes.get(delivery.lane);
      if (lane) lane.push(delivery);
      else lanes.set(delivery.lane, [delivery]);
    }
    if (lanes.size === 0) return;
    const endpointIds = new Map<string, ObjectId>();
    for (const [first] of lanes.values()) endpointIds.set(first.endpoint_id.toHexString(), first.endpoint_id);
    const endpoints = new Map(
      (await this.endpoints.byIds([...endpointIds.values()])).map((endpoint) => [endpoint._id.toHexString(), endpoint]),
    );
    for (const [lane, deliveries] of lanes) {
      if (this.stopped || this.busyLanes.size >= MAX_LANES_IN_FLIGHT) break;
      const endpoint = endpoints.get(deliveries[0].endpoint_id.toHexString());
      // A deleted endpoint's deliveries are deleted with it.
      if (!endpoint) continue;
      const endpointKey = endpoint._id.toHexString();
      if ((this.lanesPerEndpoint.get(endpointKey) ?? 0) >= MAX_LANES_PER_ENDPOINT) continue;
      deliveries.sort((a, b) => a.event_id.toHexString().localeCompare(b.event_id.toHexString()));
      this.track(lane, endpointKey, this.runLane(lane, deliveries, endpoint));
    }
  }

  private track(lane: string, endpointKey: string, task: Promise<void>): void {
    this.busyLanes.add(lane);
    this.lanesPerEndpoint.set(endpointKey, (this.lanesPerEndpoint.get(endpointKey) ?? 0) + 1);
    const tracked = task
      .catch((error: unknown) => this.logger.warn({ err: error, lane }, 'Webhook lane failed; its deliveries are retried'))
      .finally(() => {
        this.busyLanes.delete(lane);
        const left = (this.lanesPerEndpoint.get(endpointKey) ?? 1) - 1;
        if (left > 0) this.lanesPerEndpoint.set(endpointKey, left);
        else this.lanesPerEndpoint.delete(endpointKey);
        this.tasks.delete(tracked);
      });
    this.tasks.add(tracked);
  }

  /** The lane's due deliveries in event order, each after the one before it is delivered (or has waited a minute). */
  private async runLane(lane: string, deliveries: WebhookDeliveryRecord[], endpoint: WebhookEndpointRecord): Promise<void> {
    if (endpoint.disabled_at) {
      await this.deliveries.failPending(endpoint._id, 'The endpoint is disabled');
      return;
    }
    let waiting = await this.deliveries.earlierPending(lane, deliveries[0].event_id);
    for (const delivery of deliveries) {
      if (this.stopped || endpoint.disabled_at) return;
      if (waiting && Date.now() - delivery.event_at.getTime() < ORDER_WAIT_MS) return;
      const result = await this.attempt(delivery, endpoint);
      if (result === 'taken') return;
      if (result === 'failed') waiting = true;
    }
  }

  /**
   * One attempt, claimed by inserting its step (`<delivery>#<attempt>`): two instances never make
   * the same attempt, and one that died mid-attempt leaves a claim that runs out after
   * DELIVERY_CLAIM_SECONDS, when the attempt is made again.
   */
  private async attempt(delivery: WebhookDeliveryRecord, endpoint: WebhookEndpointRecord): Promise<AttemptResult> {
    const step = StepKeys.webhookAttempt(delivery._id, delivery.attempts + 1);
    if (!(await this.locks.claimStep(step, this.holder, DELIVERY_CLAIM_SECONDS))) return 'taken';
    // Another instance may have made this attempt between our read and our claim.
    const current = await this.deliveries.findById(delivery._id);
    if (!current || current.status !== 'pending' || current.attempts !== delivery.attempts) return 'taken';
    const outcome = await this.send(current, endpoint);
    const at = new Date();
    const next = outcome.delivered ? null : nextAttemptAt(at, current.attempts + 1, this.config.webhooks.retryBaseMs, current.retry_until);
    await this.deliveries.recordAttempt(current._id, current.attempts, {
      status: outcome.delivered ? 'delivered' : next ? 'pending' : 'failed',
      next_attempt_at: next,
      last_status_code: outcome.status,
      last_response: outcome.detail.slice(0, KEPT_RESPONSE_BYTES),
      last_attempt_at: at,
    });
    await this.noteHealth(endpoint, outcome.delivered, at);
    return outcome.delivered ? 'delivered' : 'failed';
  }

  /** One signed POST, after checking the target again with a fresh lookup (SPEC "No SSRF"). */
  private async send(delivery: WebhookDeliveryRecord, endpoint: WebhookEndpointRecord): Promise<DeliveryOutcome> {
    const secret = openSecret(endpoint.sealed_secret, this.config.webhooks.secretKeys);
    if (!secret) {
      return {
        status: null,
        delivered: false,
        detail: "The endpoint's secret cannot be opened: JWT_SECRET changed and the old one is not in JWT_PREVIOUS_SECRETS",
      };
    }
    try {
      const target = await checkWebhookTarget(endpoint.url, {
        allowPrivate: this.config.webhooks.allowPrivateTargets,
        resolve: (host) => withTimeout(this.network.resolve(host), LOOKUP_TIMEOUT_MS),
      });
      const headers = signWebhook(secret, delivery.event_id.toHexString(), Math.floor(Date.now() / 1000), delivery.body);
      return await this.network.send(target, headers, delivery.body);
    } catch (error) {
      if (error instanceof WebhookTargetRefusedError) return { status: null, delivered: false, detail: `Not sent: ${error.message}` };
      throw error;
    }
  }

  /** A success clears `failing_since`; a failure sets it, and disables the endpoint once it is WEBHOOK_DISABLE_AFTER_SECONDS old. */
  private async noteHealth(endpoint: WebhookEndpointRecord, delivered: boolean, at: Date): Promise<void> {
    if (delivered) {
      if (endpoint.failing_since) await this.endpoints.markSucceeding(endpoint._id);
      endpoint.failing_since = null;
      return;
    }
    if (!endpoint.failing_since) {
      await this.endpoints.markFailing(endpoint._id, at);
      endpoint.failing_since = at;
    } else if (at.getTime() - endpoint.failing_since.getTime() >= this.config.webhooks.disableAfterSeconds * 1000) {
      await this.endpoints.disable(endpoint._id, at);
      await this.deliveries.failPending(endpoint._id, 'The endpoint is disabled');
      endpoint.disabled_at = at;
    }
  }
}
