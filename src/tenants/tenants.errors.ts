import { domainError, ErrorCode } from '../common/errors/domain.error.js';

/** The cluster holding the organization's data cannot be reached now; the others are unaffected. */
export class ClusterUnavailableError extends domainError(
  ErrorCode.ClusterUnavailable,
  "The database cluster holding this organization's data is unavailable; retry shortly",
  5,
) {}

/** A placement names a cluster that TENANT_CLUSTERS does not configure. */
export class UnknownClusterError extends domainError(ErrorCode.UnknownCluster, 'Unknown cluster') {}
