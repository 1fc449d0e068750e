import { RECORD_MAX_BYTES, RECORD_MAX_DEPTH } from './record-limits.js';
import { InvalidRecordError, RecordTooLargeError } from './records.errors.js';

/**
 * Checks a tenant record body: a JSON object of at most 64 KiB whose keys (at any depth) neither
 * start with `$` nor contain `.`, so stored data can never be read back as a query operator.
 * Arrays directly inside arrays are refused too: FerretDB cannot store them (MongoDB can), and a
 * record must be storable on every server the service supports.
 */
export function assertValidRecordData(data: unknown): asserts data is Record<string, unknown> {
  if (!isPlainObject(data)) throw new InvalidRecordError('The record must be a JSON object');
  if (Buffer.byteLength(JSON.stringify(data)) > RECORD_MAX_BYTES) throw new RecordTooLargeError();
  checkKeys(data, 'data', 0);
}

function checkKeys(value: unknown, path: string, depth: number): void {
  if (depth > RECORD_MAX_DEPTH) throw new InvalidRecordError(`The record is nested deeper than ${RECORD_MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (Array.isArray(item)) throw new InvalidRecordError(`${path}[${index}] is an array inside an array, which is not supported`);
      checkKeys(item, `${path}[${index}]`, depth + 1);
    });
    return;
  }
  // PostgreSQL's jsonb (FerretDB's storage) cannot hold U+0000 in a string; MongoDB can.
  if (typeof value === 'string' && value.includes('\u0000'))
    throw new InvalidRecordError(`${path} contains a NUL character, which is not supported`);
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$') || key.includes('.') || key.includes('\u0000')) {
      throw new InvalidRecordError(`Key ${JSON.stringify(key)} at ${path} must not start with $ or contain . or NUL`);
    }
    checkKeys(child, `${path}.${key}`, depth + 1);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
