import { createHash } from 'node:crypto';

export const ORGANIZATION_NAME_MAX_LENGTH = 100;
export const SLUG_MAX_BYTES = 64;
const HASH_SUFFIX_LENGTH = 8;
/** Bytes of a long slug kept before `_<hash>`. */
const KEPT_SLUG_BYTES = SLUG_MAX_BYTES - HASH_SUFFIX_LENGTH - 1;

const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Every character String.prototype.trim removes (all of them are below U+10000). */
const WHITESPACE = codePointsUpTo(0xffff).filter((code) => String.fromCharCode(code).trim() === '');
const TRIMMED = `[${classRanges(WHITESPACE)}]`;
/** Not a control character (category Cc), spelled out for regex engines without \p{Cc}. */
const NOT_CONTROL = String.raw`[^\u0000-\u001f\u007f-\u009f]`;
/**
 * The rule's "letter or digit" for regex engines without Unicode classes (Python's `re` and the
 * `jsonschema` library reject `\p{L}`): neither whitespace nor, up to U+00FF, anything but a letter
 * or digit. Exact within Latin-1 and looser beyond it; the service applies the full rule.
 */
const LETTER_OR_DIGIT = `[^${classRanges([...WHITESPACE, ...codePointsUpTo(0xff).filter((code) => !HAS_LETTER_OR_DIGIT.test(String.fromCharCode(code)))])}]`;
/** The character rules of organizationNameProblem as a pattern common regex engines compile, for the API docs. */
export const ORGANIZATION_NAME_PATTERN = `^${TRIMMED}*${NOT_CONTROL}*${LETTER_OR_DIGIT}${NOT_CONTROL}*${TRIMMED}*$`;
/** The same rules in words, beside the pattern, which states the letter-or-digit rule exactly only within Latin-1. */
export const ORGANIZATION_NAME_RULES =
  'At most 100 characters as sent; trimmed; no control characters; at least one letter or digit of any script ' +
  '(Unicode categories L or N; `pattern` checks that exactly only up to U+00FF). Names with the same slug are the same organization.';

/** Why a name (or the start of one, sent as `field`) is refused, or null when it is acceptable (after trimming). */
export function organizationNameProblem(name: string, field = 'organization_name'): string | null {
  const length = [...name].length;
  if (length < 1 || length > ORGANIZATION_NAME_MAX_LENGTH) {
    return `${field} must be 1-${ORGANIZATION_NAME_MAX_LENGTH} characters after trimming`;
  }
  if (!HAS_LETTER_OR_DIGIT.test(name)) return `${field} must contain at least one letter or digit`;
  if (CONTROL_CHARACTERS.test(name)) return `${field} must not contain control characters`;
  return null;
}

/**
 * The organization's identity: lower case, accents folded, every other run of characters that is
 * not a letter or digit (in any script) replaced by `_`, at most 64 UTF-8 bytes. Long slugs keep
 * a prefix plus a hash of the whole, so two different long names never share a slug by truncation.
 * Never empty for an accepted name, and never contains `$`, `.` or NUL.
 */
export function slugify(name: string): string {
  const slug = slugCharacters(name).replace(/^_+|_+$/g, '');
  if (Buffer.byteLength(slug) <= SLUG_MAX_BYTES) return slug;
  const hash = createHash('sha256').update(slug).digest('hex').slice(0, HASH_SUFFIX_LENGTH);
  return `${truncateUtf8(slug, KEPT_SLUG_BYTES).replace(/_+$/, '')}_${hash}`;
}

/**
 * What the slug of every name that starts with `prefix` starts with, so that a slug range finds
 * names by their start whatever their case, accents or punctuation: the prefix's own slug. Like
 * names, a prefix is compared by slug, so separators at its end do not count ("Acme " also finds
 * "Acmecorp"). A long slug keeps only its first 55 bytes before its hash, so a longer prefix is
 * matched on those alone (a looser match).
 */
export function slugPrefix(prefix: string): string {
  const slug = slugCharacters(prefix).replace(/^_+|_+$/g, '');
  return Buffer.byteLength(slug) <= KEPT_SLUG_BYTES ? slug : truncateUtf8(slug, KEPT_SLUG_BYTES).replace(/_+$/, '');
}

/** Lower case, accents folded, every run of characters that is not a letter or digit (in any script) as one `_`. */
function slugCharacters(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .normalize('NFC');
  return folded.replace(/[^\p{L}\p{N}]+/gu, '_');
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

function codePointsUpTo(last: number): number[] {
  return Array.from({ length: last + 1 }, (_, code) => code);
}

/** BMP code points as the inside of a character class: `\uXXXX` and `\uXXXX-\uXXXX` ranges. */
function classRanges(codes: number[]): string {
  const sorted = [...new Set(codes)].sort((a, b) => a - b);
  const escape = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  let result = '';
  for (let start = 0; start < sorted.length;) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end += 1;
    result += end === start ? escape(sorted[start]) : `${escape(sorted[start])}-${escape(sorted[end])}`;
    start = end + 1;
  }
  return result;
}
