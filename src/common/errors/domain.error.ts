/**
 * Stable codes of the rules the service enforces. Each maps to one HTTP status in
 * AllExceptionsFilter, the only place that knows HTTP.
 */
export enum ErrorCode {
  InvalidInput = 'invalid_input',
  InvalidCredentials = 'invalid_credentials',
  InvalidToken = 'invalid_token',
  MissingToken = 'missing_token',
  NotYourOrganization = 'not_your_organization',
  InsufficientRole = 'insufficient_role',
  ChooseOrganization = 'choose_organization',
  OrganizationSuspended = 'organization_suspended',
  NotAMember = 'not_a_member',
  PersonOnly = 'person_only',
  MemberNotFound = 'member_not_found',
  InvitationNotFound = 'invitation_not_found',
  ApiKeyNotFound = 'api_key_not_found',
  ApiKeyRole = 'api_key_role',
  InvitationPending = 'invitation_pending',
  LastOwner = 'last_owner',
  OrganizationNotFound = 'organization_not_found',
  RecordNotFound = 'record_not_found',
  OrganizationNameTaken = 'organization_name_taken',
  EmailTaken = 'email_taken',
  OrganizationBusy = 'organization_busy',
  OrganizationMigrating = 'organization_migrating',
  RecordTooLarge = 'record_too_large',
  TooManyAttempts = 'too_many_attempts',
  HashingBusy = 'hashing_busy',
  DatabaseUnavailable = 'database_unavailable',
  ClusterUnavailable = 'cluster_unavailable',
  UnknownCluster = 'unknown_cluster',
  MoveNotFound = 'move_not_found',
  QuotaExceeded = 'quota_exceeded',
  DuplicateRecord = 'duplicate_record',
  IndexLimit = 'index_limit',
  IndexExists = 'index_exists',
  IndexNotFound = 'index_not_found',
  IndexNeedsPlacement = 'index_needs_placement',
  TenantRateLimited = 'tenant_rate_limited',
  WebhookNotFound = 'webhook_not_found',
  WebhookDeliveryNotFound = 'webhook_delivery_not_found',
}

/** A rule of the service was broken. Each subclass names one rule by its code. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Seconds the client should wait before retrying, sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    // An expected outcome, answered and never logged with a trace: capturing one would cost more
    // than the rest of a refused request (role 403 399 -> 203 µs, BENCHMARKS.md "What changed for these figures").
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = new.target.name;
  }
}

/**
 * A DomainError class for a rule with one fixed message:
 * `class OrganizationNotFoundError extends domainError(ErrorCode.OrganizationNotFound, 'Organization not found') {}`.
 */
export function domainError(code: ErrorCode, message: string, retryAfterSeconds?: number) {
  return class extends DomainError {
    readonly code = code;
    override readonly retryAfterSeconds = retryAfterSeconds;
    constructor(detail: string = message) {
      super(detail);
    }
  };
}

/** Input that passed the DTO's shape rules but breaks a rule of the domain. */
export class InvalidInputError extends DomainError {
  readonly code = ErrorCode.InvalidInput;
}

export class DatabaseUnavailableError extends domainError(ErrorCode.DatabaseUnavailable, 'The database is unavailable; retry shortly', 5) {}
