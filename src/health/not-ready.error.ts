import { DomainError, ErrorCode } from '../common/errors/domain.error.js';

/** A readiness check failed: the answer names the checks, and when to ask again. */
export class NotReadyError extends DomainError {
  readonly code = ErrorCode.DatabaseUnavailable;
  override readonly retryAfterSeconds = 5;

  constructor(readonly failedChecks: string[]) {
    super(`Not ready: ${failedChecks.length > 0 ? failedChecks.join(', ') : 'a check'} failed`);
  }
}
