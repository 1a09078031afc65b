// Reconnection delay: exponential backoff with jitter (the bug report's formula).

/** The jitter models the client can run with (page URL `?jitter=`): both are correct behaviour. */
export const JITTER_MODELS = Object.freeze(['equal', 'full']);

/**
 * Delay before reconnect attempt `attempt` (1-based), from raw = min(cap, base * 2^(attempt-1)):
 * equal jitter (the default) raw * (0.5 + random * 0.5); full jitter raw * random
 * (AWS's "full jitter"); `jitter: false` (the no_jitter bug) raw itself.
 */
export function backoffDelay(attempt, { baseMs, capMs, random = Math.random, jitter = 'equal' }) {
  const raw = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  if (jitter === false || jitter === 'none') return raw;
  if (jitter === 'full') return raw * random();
  return raw * (0.5 + random() * 0.5);
}
