import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error.js';

export class OrganizationNameTakenError extends DomainError {
  readonly status = HttpStatus.CONFLICT;
  constructor() {
    super('An organization with this name already exists');
  }
}

export class OrganizationNotFoundError extends DomainError {
  readonly status = HttpStatus.NOT_FOUND;
  constructor() {
    super('Organization not found');
  }
}

export class NotYourOrganizationError extends DomainError {
  readonly status = HttpStatus.FORBIDDEN;
  constructor() {
    super('The token does not belong to this organization');
  }
}

/** Another lifecycle operation (create, rename, delete) holds the organization right now. */
export class OrganizationBusyError extends DomainError {
  readonly status = HttpStatus.CONFLICT;
  override readonly retryAfterSeconds = 1;
  constructor(message = 'The organization is being changed by another operation; retry shortly') {
    super(message);
  }
}

export class InvalidOrganizationInputError extends DomainError {
  readonly status = HttpStatus.BAD_REQUEST;
}
