/** No two attempts of one delivery are further apart than this. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * When a failed delivery is tried again, or null when it has failed for good: exponential backoff
 * (base, 2×base, 4×base... up to an hour) with equal jitter, so that receivers coming back from an
 * outage are not met by every sender at once; the last attempt is the first failure at or after
 * `retryUntil` (SPEC: at least 24 hours after the event).
 */
export function nextAttemptAt(now: Date, attemptsMade: number, baseMs: number, retryUntil: Date, random = Math.random): Date | null {
  if (now.getTime() >= retryUntil.getTime()) return null;
  const backoff = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), MAX_RETRY_DELAY_MS);
  const delay = backoff / 2 + random() * (backoff / 2);
  return new Date(Math.min(now.getTime() + delay, retryUntil.getTime()));
}
