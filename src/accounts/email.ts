/** Emails are compared case-insensitively: stored and looked up trimmed and lower-cased. */
export function normalizeEmail({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}
