import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InvalidInputError } from '../../common/errors/domain.error.js';
import { forbiddenAddressReason } from './address-classifier.js';

/** The addresses a host name resolves to; injected in tests, so a refusal under test never becomes traffic. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address }) => address);

export class WebhookTargetRefusedError extends InvalidInputError {}

export interface CheckedTarget {
  url: URL;
  /** What the host resolved to, all allowed: a delivery connects to one of these, not to a second lookup's answer. */
  addresses: string[];
}

/**
 * Checks a webhook URL as SPEC's "No SSRF" rule says: http or https, no credentials, and every
 * address its host resolves to (an IP literal in any spelling the URL parser accepts, decimal and
 * octal included, or a name looked up now) outside the forbidden networks, unless private targets
 * are allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS, tests and local runs). Called at creation and before
 * every delivery.
 */
export async function checkWebhookTarget(raw: string, options: { allowPrivate: boolean; resolve: ResolveHost }): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetRefusedError('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetRefusedError('url must be http or https');
  if (url.username || url.password) throw new WebhookTargetRefusedError('url must not carry credentials');
  // The WHATWG parser has already turned 2130706433, 0177.0.0.1 and 0x7f.1 into 127.0.0.1.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : await options.resolve(host).catch(() => []);
  if (addresses.length === 0) throw new WebhookTargetRefusedError(`url's host ${host} does not resolve`);
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const reason = forbiddenAddressReason(address);
      if (reason) throw new WebhookTargetRefusedError(`url must not point at ${reason} (${host} is ${address})`);
    }
  }
  return { url, addresses };
}
