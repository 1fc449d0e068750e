import { domainError, ErrorCode, InvalidInputError } from '../common/errors/domain.error.js';

export class WeakPasswordError extends InvalidInputError {}

export class EmailTakenError extends domainError(ErrorCode.EmailTaken, 'An account with this email already exists') {}

/** Every password-hashing slot and queue place of this process is taken: retry shortly. */
export class HashingBusyError extends domainError(ErrorCode.HashingBusy, 'The service is busy hashing passwords; retry shortly', 1) {}

/** Two changes of one account's credentials at once: the one that lost retries. */
export class CredentialsBusyError extends domainError(ErrorCode.OrganizationBusy, 'The credentials were changed concurrently; retry', 1) {}
