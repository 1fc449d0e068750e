import { DomainError, ErrorCode } from '../../common/errors/domain.error.js';

/** The organization sent more than TENANT_RATE_LIMIT requests per second to /org/records* on this instance. */
export class TenantRateLimitedError extends DomainError {
  readonly code = ErrorCode.TenantRateLimited;
  override readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Too many requests for this organization; retry later');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
