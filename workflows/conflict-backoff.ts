/** How long a schedule push waits before reading again after a version conflict. Pure; deterministic in a workflow. */

const CONFLICT_BACKOFF_BASE_MS = 100;
const CONFLICT_BACKOFF_CAP_MS = 5_000;
/** Conflicts in a row with nothing landed that are retried at once or after a pause of at most one attempt. */
export const QUICK_CONFLICT_RETRIES = 4;
/** The quick pause never exceeds this, however slow an attempt was. */
const QUICK_PAUSE_CAP_MS = 1_000;

/**
 * The pause before reading again after the n-th conflict in a row that landed nothing, given how long the attempt
 * took. The other writer is someone else (pushes of one schedule never overlap: its workflow ID serializes them), and
 * a read right after their edit has the whole quiet spell before their next one: the first retry goes at once; the
 * next few after a random pause no longer than one attempt, enough to fall out of step with a writer as quick as
 * this one; only a longer run of conflicts with nothing landed backs off exponentially, where retrying fast would only
 * spend the budget.
 */
export function conflictPause(n: number, attemptMs: number, random = Math.random): number {
  if (n <= 1) return 0;
  if (n <= QUICK_CONFLICT_RETRIES)
    return Math.round(random() * Math.min(Math.max(attemptMs, 10), QUICK_PAUSE_CAP_MS));
  return fullJitter(n - QUICK_CONFLICT_RETRIES, random);
}

/** Backoff after the n-th consecutive conflict: uniform in [0, min(cap, base·2^n)] (full jitter spreads writers). */
export function fullJitter(n: number, random = Math.random): number {
  const ceiling = Math.min(CONFLICT_BACKOFF_CAP_MS, CONFLICT_BACKOFF_BASE_MS * 2 ** n);
  return Math.max(1, Math.round(random() * ceiling));
}
