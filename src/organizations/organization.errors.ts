import { domainError, ErrorCode, InvalidInputError } from '../common/errors/domain.error.js';

export class OrganizationNameTakenError extends domainError(
  ErrorCode.OrganizationNameTaken,
  'An organization with this name already exists',
) {}

export class OrganizationNotFoundError extends domainError(ErrorCode.OrganizationNotFound, 'Organization not found') {}

export class NotYourOrganizationError extends domainError(
  ErrorCode.NotYourOrganization,
  'The token does not belong to this organization',
) {}

/** Another lifecycle operation (create, rename, delete) holds the organization right now. */
export class OrganizationBusyError extends domainError(
  ErrorCode.OrganizationBusy,
  'The organization is being changed by another operation; retry shortly',
  1,
) {}

export class InvalidOrganizationInputError extends InvalidInputError {}
