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
  /**
   * The plan or result store could not be reached, or was too busy (PostgreSQL down, a connection refused): store
   * calls are idempotent, so they are retried until it answers, however long; the push says it is waiting.
   */
  StoreUnavailable: 'StoreUnavailable',
  /** The stored plan does not hold what the push was told (a bug or a tampered store): no retry can fix it. */
  PlanMismatch: 'PlanMismatch',
  /**
   * A programmer error (a TypeError, a ZodError of our own schema, anything not classified above): never retried, its
   * cause and stack in the worker's log, so it fails on its first attempt instead of after twenty minutes of retries.
   */
  Bug: 'Bug',
  /** The schedule push was cancelled by an operator; a write may or may not have landed. */
  Cancelled: 'Cancelled',
  /** The push ended before this schedule was started. */
  NotStarted: 'NotStarted',
  /** A workflow run the push followed is gone (reset, or past retention). */
  NotFound: 'NotFound',
  /** The schedule's stored result cannot be read back (empty or damaged); it counts as not done. */
  ResultUnreadable: 'ResultUnreadable',
  /** A drift check of a plan ID with no push in this store. */
  UnknownPlan: 'UnknownPlan',
  /** A repair's derived plan ID would break the ID grammar (too long). */
  InvalidPlanId: 'InvalidPlanId',
  /** A plan has been repaired more often than any real need explains (a runaway loop). */
  TooManyRepairs: 'TooManyRepairs',
  /** A plan names a tenant the worker's WFM_TENANTS_FILE does not (removed since the push started): not retried. */
  UnknownTenant: 'UnknownTenant',
  /** A notice's receiver refused it (4xx other than 408/429), or its URL is refused by the outbound policy. */
  NoticeRejected: 'NoticeRejected',
  /** A notice got no answer, a 5xx, 408 or 429: retried with backoff. */
  NoticeNotDelivered: 'NoticeNotDelivered',
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
  FailureType.PlanMismatch,
  FailureType.Bug,
];

/** What a store activity may fail with that retrying cannot fix (an outage, StoreUnavailable, is retried). */
export const NON_RETRYABLE_STORE_FAILURE_TYPES: FailureType[] = [FailureType.PlanMismatch, FailureType.Bug];

/** The failure types a caller of `bulkPush` can branch on (ApplicationFailure.type). */
export const PushStartFailure = {
  /** The inline input is invalid; details[0] is `{ problems: [{ path, message }] }`. Nothing was written. */
  InvalidPlan: 'InvalidPlan',
  /** The planId was already used for other content: a planId names one plan for good. */
  PlanIdTaken: 'PlanIdTaken',
} as const;
