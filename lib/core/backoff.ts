/** Exponential backoff settings, in milliseconds. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The delay before retry number `attempt + 1`: `baseDelayMs * 2^attempt`, capped at
 * `maxDelayMs`. `attempt` is 0 for the first failure.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy): number {
  const raw = policy.baseDelayMs * 2 ** Math.max(0, attempt);
  return Math.min(Number.isFinite(raw) ? raw : policy.maxDelayMs, policy.maxDelayMs);
}
