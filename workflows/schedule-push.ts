import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../model/failures';
import { httpTaskQueueFor, PUSH_OUTCOME } from '../model/names';
import type { ScheduleResult } from '../model/report';

export interface SchedulePushInput {
  planId: string;
  planRef: string;
  scheduleId: string;
  agentsPlanned: number;
  /** Consecutive version conflicts tolerated before the schedule fails with reason `contention`. Default 20. */
  conflictBudget?: number;
}

const DEFAULT_CONFLICT_BUDGET = 20;
const CONFLICT_BACKOFF_BASE_MS = 100;
const CONFLICT_BACKOFF_CAP_MS = 5_000;

/**
 * Brings one schedule to the planned state: read, rebase, conditional write; on a version conflict, read again and
 * rebase again. Runs as its own workflow (ID derived from the schedule) so no two pushes write one schedule at once.
 */
export async function schedulePush(input: SchedulePushInput): Promise<ScheduleResult> {
  const { syncSchedule } = proxyActivities<Activities>({
    taskQueue: httpTaskQueueFor(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    scheduleToCloseTimeout: '30 minutes',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 12,
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  const budget = input.conflictBudget ?? DEFAULT_CONFLICT_BUDGET;
  const result: ScheduleResult = {
    scheduleId: input.scheduleId,
    outcome: 'failed',
    versionBefore: null,
    versionAfter: null,
    agentsPlanned: input.agentsPlanned,
    agentsChanged: 0,
    agentsAlreadyInPlace: 0,
    conflicts: 0,
    attempts: 0,
    retries: 0,
    writes: 0,
  };

  for (;;) {
    result.attempts++;
    setCurrentDetails(
      `Attempt ${result.attempts}: reading, rebasing and writing (${result.conflicts} conflicts so far)`,
    );
    try {
      const sync = await syncSchedule({ planRef: input.planRef, scheduleId: input.scheduleId });
      result.versionBefore ??= sync.versionRead;
      result.versionAfter = sync.versionNow;
      result.agentsChanged = sync.agentsChanged;
      result.agentsAlreadyInPlace = sync.agentsAlreadyInPlace;
      result.retries += sync.retries;
      result.writes += sync.wrote ? 1 : 0;
      result.outcome = sync.wrote ? 'landed' : 'already-in-place';
      break;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureOf(err);
      if (failure.type === FailureType.VersionConflict && result.conflicts < budget) {
        result.conflicts++;
        await sleep(fullJitter(result.conflicts));
        continue;
      }
      result.failure =
        failure.type === FailureType.VersionConflict
          ? {
              type: FailureType.Contention,
              message: `${result.conflicts} consecutive version conflicts; last: ${failure.message}`,
            }
          : failure;
      break;
    }
  }
  setCurrentDetails(describe(result));
  upsertSearchAttributes([{ key: PUSH_OUTCOME, value: result.outcome }]);
  return result;
}

/** Backoff after the n-th conflict: uniform in [0, min(cap, base·2^n)] (full jitter spreads contending writers). */
function fullJitter(n: number): number {
  const ceiling = Math.min(CONFLICT_BACKOFF_CAP_MS, CONFLICT_BACKOFF_BASE_MS * 2 ** n);
  return Math.max(1, Math.round(Math.random() * ceiling));
}

/** The classified failure behind an activity failure, kept with its type and the server's message. */
function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

function describe(r: ScheduleResult): string {
  if (r.failure) return `Failed: ${r.failure.type}: ${r.failure.message}`;
  return `${r.outcome}: ${r.agentsChanged} agents changed, ${r.agentsAlreadyInPlace} already in place, version ${r.versionBefore} → ${r.versionAfter}, ${r.conflicts} conflicts`;
}
