import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import { conflictPause, fullJitter } from './conflict-backoff';
import {
  storeActivityOptions,
  untilTheStoreAnswers,
  waitForTheStore,
  waitsOutStoreOutages,
} from './store-outage';
import type { AgentMask } from '../model/agent-mask';
import type { SyncProgress } from '../model/sync-progress';
import { FailureType, NON_RETRYABLE_FAILURE_TYPES } from '../model/failures';
import { bulkPushWorkflowId, httpTaskQueueFor, PUSH_OUTCOME } from '../model/names';
import { PushStartFailure } from '../model/push-start';
import { PUSH_DEFAULTS, type NewerEditPolicy } from '../model/push-options';
import { HEARTBEAT_TIMEOUT_MS } from '../model/timeouts';
import { emptyScheduleResult, type ScheduleResult } from '../model/report';
import {
  addSyncCounts,
  inPlaceAtLastRead,
  keptAtLastRead,
  protectedAtLastRead,
  settledResult,
} from '../model/schedule-line';

export interface SchedulePushInput {
  planId: string;
  planRef: string;
  scheduleId: string;
  agentsPlanned: number;
  /** The plan's tenant: part of this workflow's ID (one writer per schedule, per tenant). */
  tenant?: string;
  /** Consecutive version conflicts tolerated before the schedule fails as `Contention` (see PUSH_DEFAULTS). */
  conflictBudget?: number;
  /** Agents edited since the plan was computed (see PUSH_DEFAULTS.onNewerEdit). */
  onNewerEdit?: NewerEditPolicy;
}

/**
 * Runs with this patch retry a conflict the way contention with another writer wants (see `conflictPause`); runs that
 * began before it keep full jitter from the first conflict.
 */
const CONFLICT_RETRY_KNOWS_ITS_WRITER = 'conflict-retry-knows-its-writer';

/**
 * Brings one schedule to the planned state: read, rebase, conditional write; on a version conflict, read again and
 * rebase again. Runs as its own workflow (ID derived from the schedule) so no two pushes write one schedule at once.
 */
export async function schedulePush(input: SchedulePushInput): Promise<ScheduleResult> {
  // Any Temporal client can start this workflow type, and its input names what is written: only a push's own child
  // (whose parent the server records, no client can) runs. Its parent checked the plan reference it hands down.
  const parent = workflowInfo().parent?.workflowId;
  if (parent !== bulkPushWorkflowId(input.planId))
    throw ApplicationFailure.create({
      type: PushStartFailure.InvalidPlan,
      nonRetryable: true,
      message: `schedulePush runs only as a child of ${bulkPushWorkflowId(input.planId)} (its parent is ${parent ?? 'none'}); start a push with bulkPush`,
    });
  const { recordScheduleResult } = proxyActivities<Activities>(
    storeActivityOptions(`Record the outcome of schedule ${input.scheduleId} for the report`),
  );
  const record = () =>
    untilTheStoreAnswers(`record schedule ${input.scheduleId}`, () => recordScheduleResult(recordInput()));
  const { syncSchedule } = proxyActivities<Activities>({
    taskQueue: httpTaskQueueFor(workflowInfo().taskQueue),
    summary: `Sync schedule ${input.scheduleId}`,
    // A sync waits out rate limits inside one attempt, up to the worker's WFM_RATE_LIMIT_DEADLINE (at most 23 h):
    // a 429 is waiting, not a failed attempt, so it never spends the retry budget meant for real failures.
    startToCloseTimeout: '24 hours',
    // The sync heartbeats every few seconds, also while it waits for the WFM: one whose worker died, or that a server
    // crash lost, is retried within HEARTBEAT_TIMEOUT_MS.
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: {
      // A 503 or a lost answer is usually over at once: retry soon, then back off (about 20 minutes in all).
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 50,
      // A store outage goes back to this workflow at once, which waits it out and says so (`untilTheStoreAnswers`).
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURE_TYPES, FailureType.StoreUnavailable],
    },
  });
  const quickConflictRetries = patched(CONFLICT_RETRY_KNOWS_ITS_WRITER);
  const budget = input.conflictBudget ?? PUSH_DEFAULTS.conflictBudget;
  let result = emptyScheduleResult(input.scheduleId, input.agentsPlanned);
  let consecutiveConflicts = 0;
  // Which agents earlier attempts wrote, and what the last read found: small masks, so that the agents' outcomes can
  // be stored by an activity without their lists ever entering this workflow's history.
  let appliedMask: AgentMask | undefined;
  let lastProgress: SyncProgress | undefined;
  let recordedBySync = false;
  let storeDownSinceMs: number | undefined;
  let storeWaits = 0;
  const recordInput = () => ({
    planId: input.planId,
    result,
    planRef: input.planRef,
    appliedMask,
    inPlaceMask: lastProgress?.inPlaceMask,
    keptMask: lastProgress?.keptMask,
    protectedMask: lastProgress?.protectedMask,
  });

  for (;;) {
    result.attempts++;
    const attemptStartedMs = Date.now();
    setCurrentDetails(
      `Attempt ${result.attempts}: reading, rebasing, writing (${result.conflicts} conflicts so far)`,
    );
    let failure: SyncFailure;
    try {
      const sync = await syncSchedule({
        planRef: input.planRef,
        scheduleId: input.scheduleId,
        planId: input.planId,
        prior: result,
        appliedBefore: appliedMask,
        onNewerEdit: input.onNewerEdit ?? PUSH_DEFAULTS.onNewerEdit,
        // A conflict comes back as a result, not a failed attempt (red in the UI for what is routine). Histories
        // from before it hold the failure, handled below the same way; an older worker's sync still fails.
        conflictAsResult: true,
      });
      if (!sync.conflict) {
        // The same rule the sync used for the line it stored with the agents' outcomes.
        result = settledResult(result, sync);
        recordedBySync = sync.recorded === true;
        break;
      }
      failure = { type: FailureType.VersionConflict, message: sync.conflict.message, progress: sync };
    } catch (err) {
      if (isCancellation(err)) {
        // Cancelled by an operator: say so in the report, then end as cancelled.
        result.failure = {
          type: FailureType.Cancelled,
          message: 'the schedule push was cancelled; a write may or may not have landed',
        };
        await CancellationScope.nonCancellable(record);
        throw err;
      }
      failure = failureOf(err);
    }
    if (failure.progress) {
      addSyncCounts(result, failure.progress);
      appliedMask = failure.progress.appliedMask ?? appliedMask;
      lastProgress = failure.progress;
    }
    // A store outage (the plan or the line unreadable or unwritable) is waited out, and said: the sync is called
    // again once the store answers; it reads again and writes only what is not in place yet.
    if (failure.type === FailureType.StoreUnavailable && waitsOutStoreOutages()) {
      storeDownSinceMs ??= Date.now();
      await waitForTheStore(
        `sync schedule ${input.scheduleId}`,
        failure.message,
        storeDownSinceMs,
        storeWaits++,
      );
      continue;
    }
    storeDownSinceMs = undefined;
    storeWaits = 0;
    // A conflict after some chunks landed is progress, not contention: the budget counts attempts that landed nothing.
    if (!quickConflictRetries) consecutiveConflicts = failure.progress?.writes ? 1 : consecutiveConflicts + 1;
    else consecutiveConflicts = failure.progress?.writes ? 0 : consecutiveConflicts + 1;
    if (failure.type === FailureType.VersionConflict && consecutiveConflicts <= budget) {
      result.conflicts++;
      if (!quickConflictRetries) await sleep(fullJitter(consecutiveConflicts));
      else {
        const pauseMs = conflictPause(consecutiveConflicts, Date.now() - attemptStartedMs);
        if (pauseMs > 0) await sleep(pauseMs);
      }
      continue;
    }
    result.agentsAlreadyInPlace = inPlaceAtLastRead(lastProgress);
    // Agents kept as someone edited them are not failures of this schedule, whatever else failed.
    const kept = keptAtLastRead(lastProgress);
    if (kept > 0) result.agentsKeptTheirs = kept;
    const protectedAgents = protectedAtLastRead(lastProgress);
    if (protectedAgents > 0) result.agentsProtected = protectedAgents;
    result.failure =
      failure.type === FailureType.VersionConflict
        ? {
            type: FailureType.Contention,
            message: `${budget} consecutive version conflicts; last: ${failure.message}`,
          }
        : { type: failure.type, message: failure.message };
    break;
  }
  setCurrentDetails(outcomeDetails(result));
  upsertSearchAttributes([{ key: PUSH_OUTCOME, value: result.outcome }]);
  // A completed sync stored the line itself, with the agents' outcomes; histories from before it did not.
  if (!recordedBySync) await record();
  if (result.failure) {
    log.warn('schedule push failed', { scheduleId: input.scheduleId, ...result.failure });
    // Fail as a workflow too: red in the UI and found by its Failed filter. The report line rides in the details.
    throw ApplicationFailure.create({
      type: result.failure.type,
      message: `schedule ${input.scheduleId}: ${result.failure.message}`,
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}

/** Why a sync did not bring the schedule to the plan: its type, the server's message, the sync's progress. */
interface SyncFailure {
  type: string;
  message: string;
  progress?: SyncProgress;
}

/** The classified failure behind an activity failure: its type, the server's message, the sync's progress. */
function failureOf(err: unknown): SyncFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return {
      type: cause.type ?? 'Error',
      message: cause.message,
      progress: cause.details?.[0] as SyncProgress | undefined,
    };
  }
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}

function outcomeDetails(r: ScheduleResult): string {
  if (r.failure) return `Failed: ${r.failure.type}: ${r.failure.message}`;
  return `${r.outcome}: ${r.agentsChanged} agents changed, ${r.agentsAlreadyInPlace} already in place, version ${r.versionBefore} → ${r.versionAfter}; ${r.conflicts} conflicts, ${r.requests ?? 0} requests, ${r.rateLimitWaits} answered 429, ${r.transientRetries} transient retries`;
}
