import { domainError, ErrorCode } from '../common/errors/domain.error.js';

/** The cluster holding the organization's data cannot be reached now; the others are unaffected. */
export class ClusterUnavailableError extends domainError(
  ErrorCode.ClusterUnavailable,
  "The database cluster holding this organization's data is unavailable; retry shortly",
  5,
) {}

/** A placement names a cluster that TENANT_CLUSTERS does not configure. */
export class UnknownClusterError extends domainError(ErrorCode.UnknownCluster, 'Unknown cluster') {}

/** A write would take the organization past its `max_documents` or `max_bytes`: refused, nothing written. */
export class QuotaExceededError extends domainError(ErrorCode.QuotaExceeded, 'Quota exceeded') {}

/** A unique index of the organization refuses the write: another record has the same value. */
export class DuplicateRecordError extends domainError(
  ErrorCode.DuplicateRecord,
  'Another record has the same value under a unique index of this organization',
) {}
