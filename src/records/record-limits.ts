/** The largest record body, in bytes of JSON; also the HTTP body limit. */
export const RECORD_MAX_BYTES = 64 * 1024;
export const RECORD_MAX_DEPTH = 32;
