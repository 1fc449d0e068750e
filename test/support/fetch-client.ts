import { ResponseLike } from './expect-error.js';

export interface FetchResponse extends ResponseLike {
  body: any;
  headers: Record<string, string>;
}

export interface FetchClient {
  request: (method: string, path: string, options?: { token?: string; body?: unknown; timeoutMs?: number }) => Promise<FetchResponse>;
}

/** A small JSON client over real HTTP for a service running as a separate process. */
export function fetchClient(baseUrl: string): FetchClient {
  return {
    request: async (method, path, { token, body, timeoutMs = 30_000 } = {}) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        headers: Object.fromEntries(response.headers.entries()),
      };
    },
  };
}
