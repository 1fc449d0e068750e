import mongoose from 'mongoose';

/** The server error codes the service reacts to. */
export enum MongoErrorCode {
  NamespaceNotFound = 26,
  IndexNotFound = 27,
  NamespaceExists = 48,
  DuplicateKey = 11000,
}

export function hasMongoErrorCode(error: unknown, code: MongoErrorCode): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

/** An insert refused by a unique index: the value (or `_id`) is taken. */
export function isDuplicateKeyError(error: unknown): boolean {
  return hasMongoErrorCode(error, MongoErrorCode.DuplicateKey);
}

const UNAVAILABLE_ERROR_NAMES = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** True when the error means "the database cannot be reached", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERROR_NAMES.has(error.name)) return true;
  // Subclasses have names of their own (e.g. PoolClearedOnNetworkError when a heartbeat fails).
  if (error instanceof mongoose.mongo.MongoNetworkError) return true;
  return error instanceof mongoose.mongo.MongoError && (error.hasErrorLabel('RetryableWriteError') || error.hasErrorLabel('ResetPool'));
}

/**
 * True when every write of an unordered bulk insert that failed was refused as a duplicate: a
 * repeated copy meets documents it copied already, which is expected.
 */
export function isOnlyDuplicateKeyErrors(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 && list.every(isDuplicateKeyError);
}

/**
 * A write refused by a unique index. MongoDB answers 11000 for inserts and updates alike; FerretDB
 * answers 11000 for inserts but code 1 (InternalError) carrying PostgreSQL's unique-violation
 * message for updates and for a unique index built over duplicates (MongoDB: 11000 there too).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (isDuplicateKeyError(error)) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // The backend's unique violation as FerretDB passes it on (a write, or a unique index built over
  // duplicates): PostgreSQL's SQLSTATE 23505, SQLite's SQLITE_CONSTRAINT_UNIQUE (2067).
  return (
    code === 1 && typeof message === 'string' && (message.includes('(SQLSTATE 23505)') || message.includes('UNIQUE constraint failed'))
  );
}

/** Indexes (in the order sent) of the writes of an unordered bulk write that a unique index refused; other failures are thrown. */
export function uniqueViolationsOf(error: unknown): Set<number> {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as {
    index: number;
    code?: unknown;
    errmsg?: unknown;
  }[];
  if (list.length === 0 || !list.every((item) => isUniqueViolation({ code: item.code, message: item.errmsg }))) throw error;
  return new Set(list.map(({ index }) => index));
}
