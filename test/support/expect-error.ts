const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** A response as both supertest and a converted fetch Response present it. */
export interface ResponseLike {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Asserts the one error shape of the service: exactly `{statusCode, error, message, requestId}`,
 * with `requestId` equal to the response's X-Request-Id header.
 */
export function expectError(response: ResponseLike, status: number, message?: string | RegExp): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: {
      statusCode: status,
      error: REASON_PHRASES[status],
      message: message === undefined ? expect.any(String) : typeof message === 'string' ? message : expect.stringMatching(message),
      requestId: response.headers['x-request-id'],
    },
  });
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
}
