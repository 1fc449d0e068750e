/** The largest record body, in bytes of JSON; also the HTTP body limit. */
export const RECORD_MAX_BYTES = 64 * 1024;
export const RECORD_MAX_DEPTH = 32;
/** The most records and bytes one POST /org/records/batch may carry. */
export const BATCH_MAX_RECORDS = 1000;
export const BATCH_MAX_BYTES = 1024 * 1024;
/** Body limits of routes that take more than one record (the JSON around the records included). */
export const ROUTE_BODY_LIMITS: Readonly<Record<string, number>> = { '/org/records/batch': BATCH_MAX_BYTES + 1024 };
