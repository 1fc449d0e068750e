/**
 * Trims surrounding whitespace from a string of at most `maxLength` characters. A longer value is
 * left as sent, so the length rule judges the input rather than what trimming made of it (the
 * documented maxLength applies to the value as sent).
 */
export function trimWithin(maxLength: number): (params: { value: unknown }) => unknown {
  return ({ value }) => (typeof value === 'string' && [...value].length <= maxLength ? value.trim() : value);
}
