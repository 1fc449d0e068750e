import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (the key the signature is made with). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The Standard Webhooks headers of one delivery attempt: the signature is the base64 HMAC-SHA256,
 * keyed with the secret's bytes, of `<id>.<timestamp>.<body>`, as `v1,<signature>`. The id is the
 * event's, the same on every attempt, so that a receiver can drop repeats.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): WebhookHeaders {
  const signature = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

/** Whether `header` (space-separated `v1,<signature>` entries) carries this delivery's signature; for the receiver example and tests. */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string): boolean {
  const expected = Buffer.from(signWebhook(secret, headers['webhook-id'], Number(headers['webhook-timestamp']), body)['webhook-signature']);
  return headers['webhook-signature']
    .split(' ')
    .map((entry) => Buffer.from(entry))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
