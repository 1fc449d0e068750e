import { domainError, ErrorCode, InvalidInputError } from '../common/errors/domain.error.js';
import { BATCH_MAX_BYTES, RECORD_MAX_BYTES } from './record-limits.js';

export class RecordNotFoundError extends domainError(ErrorCode.RecordNotFound, 'Record not found') {}

/** Writes are refused while the organization's collection is being moved; reads go on. */
export class OrganizationMigratingError extends domainError(
  ErrorCode.OrganizationMigrating,
  'The organization is being migrated; retry the write shortly',
  1,
) {}

export class InvalidRecordError extends InvalidInputError {}

export class RecordTooLargeError extends domainError(
  ErrorCode.RecordTooLarge,
  `A record may be at most ${RECORD_MAX_BYTES} bytes of JSON`,
) {}

export class BatchTooLargeError extends domainError(
  ErrorCode.RecordTooLarge,
  `A batch may be at most ${BATCH_MAX_BYTES / 1024 / 1024} MiB of JSON`,
) {}

/** The organization was deleted while its export ran: the answer stops there. */
export class OrganizationGoneError extends domainError(ErrorCode.OrganizationNotFound, 'The organization was deleted during the export') {}
