import { domainError, ErrorCode } from '../../common/errors/domain.error.js';

/** An import body over IMPORT_MAX_BYTES: reading stops there (what came before it is imported). */
export class ImportTooLargeError extends domainError(ErrorCode.RecordTooLarge, 'The import is larger than IMPORT_MAX_BYTES') {}

export type NdjsonLine = { number: number; text: string } | { number: number; tooLong: true };

/**
 * The lines of a byte stream, numbered from 1, one at a time as the stream delivers them: the
 * stream is read only as fast as the caller takes lines, and at most one line (plus one chunk) is
 * held, so memory does not grow with the body. A line longer than `maxLineBytes` is reported as
 * such, not held; blank lines are skipped (but counted). Over `maxTotalBytes` the reading stops
 * with ImportTooLargeError.
 */
export async function* ndjsonLines(
  body: AsyncIterable<Buffer | string>,
  limits: { maxLineBytes: number; maxTotalBytes: number },
): AsyncGenerator<NdjsonLine> {
  let number = 0;
  let total = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  const finish = (): NdjsonLine | null => {
    number += 1;
    const line: NdjsonLine | null = tooLong
      ? { number, tooLong: true }
      : pendingBytes === 0
        ? null
        : { number, text: Buffer.concat(pending, pendingBytes).toString('utf8').replace(/\r$/, '') };
    pending = [];
    pendingBytes = 0;
    tooLong = false;
    return line && ('tooLong' in line || line.text.trim() !== '') ? line : null;
  };
  for await (const piece of body) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    total += chunk.length;
    if (total > limits.maxTotalBytes) throw new ImportTooLargeError();
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      keep(chunk.subarray(start, end));
      const line = finish();
      if (line) yield line;
      start = end + 1;
    }
    keep(chunk.subarray(start));
  }
  const last = finish();
  if (last) yield last;

  function keep(part: Buffer): void {
    if (tooLong || part.length === 0) return;
    if (pendingBytes + part.length > limits.maxLineBytes) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    // Copied: the chunk's buffer may be reused by the stream.
    pending.push(Buffer.from(part));
    pendingBytes += part.length;
  }
}
