import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.error.js';

export class RecordNotFoundError extends DomainError {
  readonly status = HttpStatus.NOT_FOUND;
  constructor() {
    super('Record not found');
  }
}

/** Writes are refused while the organization's collection is being moved; reads go on. */
export class OrganizationMigratingError extends DomainError {
  readonly status = HttpStatus.CONFLICT;
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('The organization is being migrated; retry the write shortly');
  }
}
