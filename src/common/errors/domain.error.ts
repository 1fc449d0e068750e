import { HttpStatus } from '@nestjs/common';

/**
 * A rule of the service was broken. Each subclass names one rule and carries the HTTP status it
 * maps to; DomainExceptionFilter turns it into the standard error body.
 */
export abstract class DomainError extends Error {
  abstract readonly status: HttpStatus;
  /** Seconds the client should wait before retrying, sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class DatabaseUnavailableError extends DomainError {
  readonly status = HttpStatus.SERVICE_UNAVAILABLE;
  override readonly retryAfterSeconds = 5;

  constructor() {
    super('The database is unavailable; retry shortly');
  }
}
