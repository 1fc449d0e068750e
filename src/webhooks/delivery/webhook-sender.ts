import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from '../targets/webhook-target.js';
import type { WebhookHeaders } from './standard-webhooks.js';

/** A receiver has this long to answer (SPEC: a delivery counts only on a 2xx within 10 s). */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** What is kept of a receiver's answer, for the delivery log. */
export const KEPT_RESPONSE_BYTES = 1024;

export interface DeliveryOutcome {
  /** The receiver's status; null when there was no answer (refused, reset, timed out). */
  status: number | null;
  /** At most KEPT_RESPONSE_BYTES of its body, or why there was no answer. */
  detail: string;
  delivered: boolean;
}

/**
 * POSTs one signed event to a target that was just checked (checkWebhookTarget): the connection
 * goes to one of the addresses the check allowed, not to a second DNS answer (so a name cannot
 * rebind to a private address between check and connect). Redirects are answers, not followed;
 * the body is read up to KEPT_RESPONSE_BYTES and the socket is then dropped, so a slow or endless
 * receiver holds one socket for at most DELIVERY_TIMEOUT_MS and no memory beyond 1 KiB.
 */
export function sendWebhook(
  target: CheckedTarget,
  headers: WebhookHeaders,
  body: string,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<DeliveryOutcome> {
  const [address] = target.addresses;
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (typeof options === 'object' && options.all) callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
    else callback(null, address, address.includes(':') ? 6 : 4);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const request = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'organization-management-service',
        },
      },
      (response: IncomingMessage) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        const done = () => {
          const status = response.statusCode ?? null;
          finish({ status, detail: keptText(Buffer.concat(kept)), delivered: status !== null && status >= 200 && status < 300 });
        };
        response.on('data', (chunk: Buffer) => {
          if (keptBytes < KEPT_RESPONSE_BYTES) {
            const part = chunk.subarray(0, KEPT_RESPONSE_BYTES - keptBytes);
            kept.push(part);
            keptBytes += part.length;
          }
          // Enough is kept: the rest of an endless answer is not waited for.
          if (keptBytes >= KEPT_RESPONSE_BYTES) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => finish({ status: null, detail: `no answer within ${timeoutMs} ms`, delivered: false }), timeoutMs);
    request.on('error', (error: Error) => finish({ status: null, detail: error.message, delivered: false }));
    request.end(body);
  });
}

/**
 * The kept bytes as text of at most KEPT_RESPONSE_BYTES in UTF-8: a character cut at the limit, or
 * a byte that is not UTF-8, decodes to a 3-byte U+FFFD, so the text is cut again at a character.
 */
function keptText(kept: Buffer): string {
  return new TextDecoder().decode(Buffer.from(kept.toString('utf8')).subarray(0, KEPT_RESPONSE_BYTES), { stream: true });
}
