import { ResponseLike } from './expect-error.js';

/** The Authorization header that carries `token` as a bearer token. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export interface FetchResponse extends ResponseLike {
  /** Parsed JSON, other text as it came, or undefined when empty. */
  body: any;
  headers: Record<string, string>;
}

export interface FetchOptions {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with a JSON content type (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface FetchClient {
  request: (method: string, path: string, options?: FetchOptions) => Promise<FetchResponse>;
}

/** A small JSON client over real HTTP for a service running as a separate process. */
export function fetchClient(baseUrl: string): FetchClient {
  return {
    request: async (method, path, { token, body, raw, headers = {}, timeoutMs = 30_000 } = {}) => {
      const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(token ? bearer(token) : {}),
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
      return {
        status: response.status,
        body: isJson ? JSON.parse(text) : text || undefined,
        headers: Object.fromEntries(response.headers.entries()),
      };
    },
  };
}
