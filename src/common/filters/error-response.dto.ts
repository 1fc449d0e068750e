import { ApiProperty } from '@nestjs/swagger';

/** The body of every error response. */
export class ErrorResponseDto {
  /** HTTP status code. */
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599 })
  statusCode: number;
  /** HTTP reason phrase, e.g. `Conflict`. */
  error: string;
  /** What went wrong, for humans. */
  message: string;
  /** The request id, also sent as the `X-Request-Id` header. */
  requestId: string;
}
