/** The body of every error response. */
export class ErrorResponseDto {
  /** HTTP status code. */
  statusCode: number;
  /** HTTP reason phrase, e.g. `Conflict`. */
  error: string;
  /** What went wrong, for humans. */
  message: string;
  /** The request id, also sent as the `X-Request-Id` header. */
  requestId: string;
}
