import { domainError, ErrorCode } from '../common/errors/domain.error.js';

/** Unknown, already revoked, or another organization's key: one answer. */
export class ApiKeyNotFoundError extends domainError(ErrorCode.ApiKeyNotFound, 'API key not found') {}

/** A key with the owner role was asked for. */
export class ApiKeyOwnerRoleError extends domainError(
  ErrorCode.ApiKeyRole,
  'An API key cannot have the owner role: choose viewer, member or admin',
) {}
