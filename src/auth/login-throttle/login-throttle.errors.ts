import { DomainError, ErrorCode } from '../../common/errors/domain.error.js';

/** Too many login attempts from one client address, or too many failures for one email. */
export class TooManyLoginAttemptsError extends DomainError {
  readonly code = ErrorCode.TooManyAttempts;
  override readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Too many login attempts; retry later');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
