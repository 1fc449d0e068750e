import { DomainError, domainError, ErrorCode } from '../errors/domain.error.js';

/** The caller's role is below what the action needs. */
export class InsufficientRoleError extends DomainError {
  readonly code = ErrorCode.InsufficientRole;
  constructor(role: string) {
    super(`Requires role ${role}`);
  }
}

/** An account token (no organization chosen) on an organization route. */
export class ChooseOrganizationError extends domainError(ErrorCode.ChooseOrganization, 'Choose an organization (POST /admin/switch)') {}

/** An API key on a route about a person's own account. */
export class PersonOnlyError extends domainError(
  ErrorCode.PersonOnly,
  "This route is for a person's own account; API keys cannot use it",
) {}

/** Every token problem (bad signature, expired, revoked, malformed) gets this same answer. */
export class InvalidTokenError extends domainError(ErrorCode.InvalidToken, 'Invalid or expired token') {}

/** No `Authorization` header at all on a route that needs one. */
export class MissingTokenError extends domainError(ErrorCode.MissingToken, 'Missing bearer token') {}

/** An operator route with a bearer that is no operator key (a wrong key, a member token, an API key): 401 with the bearer challenge. */
export class InvalidOperatorKeyError extends domainError(ErrorCode.InvalidToken, 'Invalid operator key') {}

/** A member or API key of a suspended organization on one of its organization routes. */
export class OrganizationSuspendedError extends domainError(ErrorCode.OrganizationSuspended, 'Organization suspended') {}
