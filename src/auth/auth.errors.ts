import { DomainError, domainError, ErrorCode, InvalidInputError } from '../common/errors/domain.error.js';

/** One message for an unknown email and a wrong password, so neither can be told apart. */
export class InvalidCredentialsError extends domainError(ErrorCode.InvalidCredentials, 'Invalid email or password') {}

/** Every token problem (bad signature, expired, revoked, malformed) gets this same answer. */
export class InvalidTokenError extends domainError(ErrorCode.InvalidToken, 'Invalid or expired token') {}

export class WeakPasswordError extends InvalidInputError {}

export class EmailTakenError extends domainError(ErrorCode.EmailTaken, 'An account with this email already exists') {}

/** The caller's role is below what the action needs. */
export class InsufficientRoleError extends DomainError {
  readonly code = ErrorCode.InsufficientRole;
  constructor(role: string) {
    super(`Requires role ${role}`);
  }
}

/** Every password-hashing slot and queue place of this process is taken: retry shortly. */
export class HashingBusyError extends domainError(ErrorCode.HashingBusy, 'The service is busy hashing passwords; retry shortly', 1) {}
