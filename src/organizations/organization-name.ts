import { createHash } from 'node:crypto';

export const ORGANIZATION_NAME_MAX_LENGTH = 100;
export const SLUG_MAX_BYTES = 64;
const HASH_SUFFIX_LENGTH = 8;

const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** What String.prototype.trim removes. */
const TRIMMED = String.raw`[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]`;
/** Not a control character (category Cc), spelled out for regex engines without \p{Cc}. */
const NOT_CONTROL = String.raw`[^\u0000-\u001f\u007f-\u009f]`;
/** The character rules of organizationNameProblem as an OpenAPI (ECMA-262) pattern, for the API docs. */
export const ORGANIZATION_NAME_PATTERN = String.raw`^${TRIMMED}*${NOT_CONTROL}*[\p{L}\p{N}]${NOT_CONTROL}*${TRIMMED}*$`;

/** Why a name is refused, or null when it is acceptable (after trimming). */
export function organizationNameProblem(name: string): string | null {
  const length = [...name].length;
  if (length < 1 || length > ORGANIZATION_NAME_MAX_LENGTH) {
    return `organization_name must be 1-${ORGANIZATION_NAME_MAX_LENGTH} characters after trimming`;
  }
  if (!HAS_LETTER_OR_DIGIT.test(name)) return 'organization_name must contain at least one letter or digit';
  if (CONTROL_CHARACTERS.test(name)) return 'organization_name must not contain control characters';
  return null;
}

/**
 * The organization's identity: lower case, accents folded, every other run of characters that is
 * not a letter or digit (in any script) replaced by `_`, at most 64 UTF-8 bytes. Long slugs keep
 * a prefix plus a hash of the whole, so two different long names never share a slug by truncation.
 * Never empty for an accepted name, and never contains `$`, `.` or NUL.
 */
export function slugify(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .normalize('NFC');
  const slug = folded.replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
  if (Buffer.byteLength(slug) <= SLUG_MAX_BYTES) return slug;
  const hash = createHash('sha256').update(slug).digest('hex').slice(0, HASH_SUFFIX_LENGTH);
  return `${truncateUtf8(slug, SLUG_MAX_BYTES - HASH_SUFFIX_LENGTH - 1).replace(/_+$/, '')}_${hash}`;
}

function truncateUtf8(value: string, maxBytes: number): string {
  let result = '';
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    result += char;
    bytes += size;
  }
  return result;
}
