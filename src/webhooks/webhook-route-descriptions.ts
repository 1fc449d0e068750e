/** What the organization's and the platform's webhook routes share in their OpenAPI descriptions. */
export const WEBHOOK_ROUTE_DESCRIPTIONS = {
  create:
    'Events are POSTed as Standard Webhooks: a JSON body `{type, timestamp, data}` with the headers `webhook-id` (the event id, ' +
    'the same on every attempt), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` keyed with the secret). ' +
    'Only a 2xx within 10 s counts; failures are retried with backoff for 24 hours. The URL must be http(s) and resolve to a ' +
    'public address (400 otherwise); it is checked again, with a fresh lookup, before every delivery, and redirects are not followed.',
  deliveries:
    'Each delivery: its event, attempts so far, status (pending, delivered, failed), the last answer (at most 1 KiB kept) and when it is tried next.',
  retry: 'Makes the delivery due now and retries it for another 24 hours. A disabled endpoint is enabled again.',
} as const;
