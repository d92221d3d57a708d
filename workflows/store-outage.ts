import {
  ActivityFailure,
  ApplicationFailure,
  getCurrentDetails,
  log,
  patched,
  setCurrentDetails,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import { FailureType, NON_RETRYABLE_STORE_FAILURE_TYPES } from '../model/failures';
import { STORE_ACTIVITY_TIMEOUT_MS } from '../model/timeouts';

/**
 * Runs with this patch wait out a store that cannot be reached (PostgreSQL down or restarting) for as long as it takes,
 * saying so in their current details; runs that began before it fail the push (or drop a result line) after ten
 * attempts, as they did. The patch is asked for only when a store call has failed, so histories without an outage
 * carry no marker.
 */
const WAIT_OUT_STORE_OUTAGES = 'wait-out-store-outages';

/**
 * A store activity's options: every call is idempotent, so a failed attempt is retried after 1 s, 2 s, 4 s ... at most
 * 30 s apart; after ten attempts (about three minutes) the workflow says the store is down and calls again
 * (`untilTheStoreAnswers`). A missing plan or a bug is never retried.
 */
export function storeActivityOptions(summary: string): ActivityOptions {
  return {
    summary,
    startToCloseTimeout: STORE_ACTIVITY_TIMEOUT_MS,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 10,
      nonRetryableErrorTypes: NON_RETRYABLE_STORE_FAILURE_TYPES,
    },
  };
}

/** The longest pause between two calls while the store is down. */
const MAX_PAUSE_MS = 30_000;

/** True when `err` is a store activity that gave up because the store could not be reached. */
export function isStoreUnavailable(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === FailureType.StoreUnavailable;
}

/**
 * Whether this run waits out store outages (asked only once a store call has failed: see WAIT_OUT_STORE_OUTAGES).
 */
export function waitsOutStoreOutages(): boolean {
  return patched(WAIT_OUT_STORE_OUTAGES);
}

/** One wait for the store, the `failed`-th in a row: said in the details (and logged the first time), then a pause. */
export async function waitForTheStore(
  what: string,
  reason: string,
  sinceMs: number,
  failed: number,
  details = '',
): Promise<void> {
  if (failed === 0) log.warn('the store is unavailable; waiting for it', { what, reason });
  setCurrentDetails(
    `WAITING FOR THE STORE since ${new Date(sinceMs).toISOString()} (${what}: ${reason}). ${details}`,
  );
  await sleep(Math.min(MAX_PAUSE_MS, 1000 * 2 ** failed));
}

/**
 * Calls a store activity until the store answers: an outage is waited out (logged once, shown in the workflow's
 * current details while it lasts, the details restored after), never turned into a failed push or a dropped line.
 * Anything else is thrown.
 */
export async function untilTheStoreAnswers<T>(what: string, call: () => Promise<T>): Promise<T> {
  let sinceMs: number | undefined;
  let before = '';
  for (let failed = 0; ; failed++) {
    try {
      const value = await call();
      if (sinceMs !== undefined) {
        log.info('the store answers again', { what, downForMs: Date.now() - sinceMs });
        setCurrentDetails(before);
      }
      return value;
    } catch (err) {
      if (!isStoreUnavailable(err) || !waitsOutStoreOutages()) throw err;
      const cause = (err instanceof ActivityFailure ? err.cause : err) as Error;
      if (sinceMs === undefined) {
        sinceMs = Date.now();
        before = getCurrentDetails();
      }
      await waitForTheStore(what, cause.message, sinceMs, failed, before);
    }
  }
}
