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

/** A lookup that takes longer is treated as failed: the target is refused (creation) or the attempt fails (delivery). */
export const LOOKUP_TIMEOUT_MS = 5000;

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
