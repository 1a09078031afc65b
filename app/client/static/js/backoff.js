// Reconnection delay: exponential backoff with jitter (the bug report's formula).

/**
 * Delay before reconnect attempt `attempt` (1-based):
 * min(cap, base * 2^(attempt-1)) * (0.5 + random * 0.5), or without the jitter factor.
 */
export function backoffDelay(attempt, { baseMs, capMs, random = Math.random, jitter = true }) {
  const raw = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return jitter ? raw * (0.5 + random() * 0.5) : raw;
}
