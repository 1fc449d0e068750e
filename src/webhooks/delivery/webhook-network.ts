import { Injectable } from '@nestjs/common';
import { type CheckedTarget, resolveWithDns } from '../targets/webhook-target.js';
import { type DeliveryOutcome, sendWebhook } from './webhook-sender.js';
import type { WebhookHeaders } from './standard-webhooks.js';

/**
 * How the service reaches receivers: DNS and HTTP. A provider of its own so that a test can put a
 * stub in its place and watch a refused target never become a lookup's answer or a request.
 */
export abstract class WebhookNetwork {
  abstract resolve(hostname: string): Promise<string[]>;
  abstract send(target: CheckedTarget, headers: WebhookHeaders, body: string): Promise<DeliveryOutcome>;
}

@Injectable()
export class InternetWebhookNetwork extends WebhookNetwork {
  resolve(hostname: string): Promise<string[]> {
    return resolveWithDns(hostname);
  }

  send(target: CheckedTarget, headers: WebhookHeaders, body: string): Promise<DeliveryOutcome> {
    return sendWebhook(target, headers, body);
  }
}
