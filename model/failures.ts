/**
 * The one list of failure types. The adapter classifies every WFM failure into one of these (as an
 * `ApplicationFailure` type); workflows branch on the type, never on message text.
 */
export const FailureType = {
  /** 409/412: someone wrote the schedule since we read it. Re-fetch and rebase. */
  VersionConflict: 'VersionConflict',
  /**
   * 429 for longer than the worker's rate-limit deadline. Shorter rate limiting never fails anything: the adapter
   * waits it out (the whole worker pauses for the server's Retry-After) and sends the request again.
   */
  RateLimited: 'RateLimited',
  /** 5xx, timeouts, resets: retry with backoff and jitter. */
  Transient: 'Transient',
  /** 400/403/404/413/422: retrying cannot help; the schedule fails with the server's message. */
  Rejected: 'Rejected',
  /** 401 after one token renewal. */
  Unauthorized: 'Unauthorized',
  /** The server answered something outside the contract (unparseable body, missing version). */
  ProtocolViolation: 'ProtocolViolation',
  /** The schedule met more consecutive conflicts than the conflict budget allows. */
  Contention: 'Contention',
  /**
   * Agents someone edited after the plan was computed were refused (`--on-newer-edit fail`): the schedule's other
   * agents landed. Never thrown by an adapter; the schedule push reports it.
   */
  NewerEdit: 'NewerEdit',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that retrying the same activity cannot fix. VersionConflict goes back to the workflow, which re-reads. */
export const NON_RETRYABLE_FAILURE_TYPES: FailureType[] = [
  FailureType.VersionConflict,
  FailureType.Rejected,
  FailureType.Unauthorized,
  FailureType.ProtocolViolation,
  // Only raised once the rate-limit deadline has passed: the waiting has been done.
  FailureType.RateLimited,
];
