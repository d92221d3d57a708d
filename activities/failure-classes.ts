import { types } from 'node:util';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { redactUrlCredentials } from '../common/redact';
import { FailureType } from '../model/failures';
import { isStoreOutage, StoredPlanMissing } from '../stores/store-errors';

/**
 * What an activity's failure means, decided once, as the activity ends: a failure already classified (the WFM
 * adapters', a refusal) goes as it is; cancellation goes as it is; a store that cannot be reached is a retryable
 * `StoreUnavailable` (store calls are idempotent: wait it out); a stored plan that is not there is `PlanMismatch`;
 * anything else is a programmer error, a non-retryable `Bug` with its cause, its stack in the worker's log.
 */
export function classifyActivityFailure(err: unknown, what: string): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (isCancelled()) return err;
  const message = redactUrlCredentials(
    err instanceof Error || types.isNativeError(err) ? err.message : String(err),
  );
  if (isStoreOutage(err)) {
    log.warn('the store is unavailable; the activity is retried until it answers', { what, error: message });
    return ApplicationFailure.create({
      type: FailureType.StoreUnavailable,
      message: `${what}: the store is unavailable (${message})`,
      cause: err instanceof Error ? err : types.isNativeError(err) ? err : undefined,
    });
  }
  if (err instanceof StoredPlanMissing)
    return ApplicationFailure.create({
      type: FailureType.PlanMismatch,
      message: `${what}: ${message}`,
      nonRetryable: true,
    });
  return bug(err, what);
}

/** A programmer error as a non-retryable `Bug`: logged with its stack, its cause kept. */
export function bug(err: unknown, what: string): ApplicationFailure {
  // An error of another realm (Node's own, under a test runner's sandbox) is an error all the same.
  const error = err instanceof Error || types.isNativeError(err) ? err : new Error(String(err));
  const message = redactUrlCredentials(`${error.name}: ${error.message}`);
  log.error('bug: not retried', { what, error: message, stack: error.stack });
  return ApplicationFailure.create({
    type: FailureType.Bug,
    message: `${what}: ${message} (a bug in wfm-push, not retried; the worker's log has its stack)`,
    nonRetryable: true,
    cause: error,
  });
}

/** An activity function whose failures are classified by `classifyActivityFailure`. */
export function classified<A extends unknown[], R>(
  what: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw classifyActivityFailure(err, what);
    }
  };
}

function isCancelled(): boolean {
  try {
    return Context.current().cancellationSignal.aborted;
  } catch {
    return false; // Not inside an activity (a unit test calling the function directly).
  }
}
