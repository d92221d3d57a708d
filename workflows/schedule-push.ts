import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
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
import { FailureType, NON_RETRYABLE_FAILURE_TYPES, PushStartFailure } from '../model/failures';
import { bulkPushWorkflowId, httpTaskQueueFor, PUSH_OUTCOME, tenantSyncTaskQueueFor } from '../model/names';
import { PUSH_DEFAULTS, type NewerEditPolicy } from '../model/push-options';
import { supersedes, type PushIdentity } from '../model/supersede';
import { scheduleHolderQuery, supersedeScheduleUpdate } from './messages';
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
  /** When the push's plan was submitted (absent from pushes before `--supersede`: they judge as the oldest). */
  submittedAtMs?: number;
  /** The push takes over schedules held by older pushes (see model/supersede.ts). */
  supersede?: boolean;
  /** The plan's `supersedes`. */
  supersedes?: string;
}

/**
 * Runs with this patch retry a conflict the way contention with another writer wants (see `conflictPause`); runs that
 * began before it keep full jitter from the first conflict.
 */
const CONFLICT_RETRY_KNOWS_ITS_WRITER = 'conflict-retry-knows-its-writer';

/**
 * Runs with this patch send a tenant's syncs to the tenant's own queue (`tenantSyncTaskQueueFor`); runs that began
 * before it, and every plan without a tenant, keep the HTTP queue.
 */
const TENANT_SYNC_QUEUE = 'tenant-sync-queue';

/**
 * Brings one schedule to the planned state: read, rebase, conditional write; on a version conflict, read again and
 * rebase again. Runs as its own workflow (ID derived from the schedule) so no two pushes write one schedule at once.
 */
export async function schedulePush(input: SchedulePushInput): Promise<ScheduleResult> {
  // Any Temporal client can start this workflow type, and its input names what is written: only a push's own child
  // (whose parent the server records, no client can) runs. Its parent checked the plan reference it hands down.
  // A tenant's push is `bulk-push:<tenant>/<planId>`; one started before plan IDs were per tenant is
  // `bulk-push:<planId>`, and its children (in flight, or replayed) still run.
  const parent = workflowInfo().parent?.workflowId;
  const parents = [bulkPushWorkflowId(input.planId, input.tenant), bulkPushWorkflowId(input.planId)];
  if (parent === undefined || !parents.includes(parent))
    throw ApplicationFailure.create({
      type: PushStartFailure.InvalidPlan,
      nonRetryable: true,
      message: `schedulePush runs only as a child of ${parents[0]} (its parent is ${parent ?? 'none'}); start a push with bulkPush`,
    });
  const { recordScheduleResult } = proxyActivities<Activities>(
    storeActivityOptions(`Record the outcome of schedule ${input.scheduleId} for the report`),
  );
  // A newer plan's push may take this schedule over: it asks, and this push stops at its next safe point (between
  // sync attempts; a sync in flight finishes, its writes confirmed), leaving the schedule to the newer plan.
  const me: PushIdentity = {
    planId: input.planId,
    submittedAtMs: input.submittedAtMs ?? 0,
    supersede: input.supersede,
    supersedes: input.supersedes,
    ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
  };
  let supersededBy: string | undefined;
  const stoppable = input.submittedAtMs === undefined ? undefined : new StoppableSync();
  setHandler(scheduleHolderQuery, () => me);
  setHandler(
    supersedeScheduleUpdate,
    (by) => {
      supersededBy ??= by.planId;
      stoppable?.stop();
      setCurrentDetails(`SUPERSEDED by plan ${supersededBy}: stopping after the sync in flight, if any`);
      return { stopping: true, planId: input.planId };
    },
    {
      validator: (by) => {
        if (!supersedes(by, me))
          throw new Error(`plan ${by.planId} does not supersede plan ${me.planId} (see model/supersede.ts)`);
      },
    },
  );
  const record = () =>
    untilTheStoreAnswers(`record schedule ${input.scheduleId}`, () => recordScheduleResult(recordInput()));
  const { syncSchedule } = proxyActivities<Activities>({
    taskQueue: await syncTaskQueue(input.tenant),
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
    supersededBy: result.supersededBy,
    planRef: input.planRef,
    appliedMask,
    inPlaceMask: lastProgress?.inPlaceMask,
    keptMask: lastProgress?.keptMask,
    protectedMask: lastProgress?.protectedMask,
  });

  for (;;) {
    if (supersededBy !== undefined) {
      result = supersededResult(result, supersededBy, lastProgress);
      break;
    }
    result.attempts++;
    const attemptStartedMs = Date.now();
    setCurrentDetails(
      `Attempt ${result.attempts}: reading, rebasing, writing (${result.conflicts} conflicts so far)`,
    );
    let failure: SyncFailure;
    try {
      const syncNow = () =>
        syncSchedule({
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
      // A newer plan that takes the schedule over stops the sync at its next safe point (the activity finishes a
      // write in flight first); runs from before `--supersede` call it as they did.
      const sync = stoppable ? await stoppable.run(syncNow) : await syncNow();
      if (!sync.conflict) {
        // The same rule the sync used for the line it stored with the agents' outcomes.
        result = settledResult(result, sync);
        recordedBySync = sync.recorded === true;
        break;
      }
      failure = { type: FailureType.VersionConflict, message: sync.conflict.message, progress: sync };
    } catch (err) {
      if (stoppable?.stopped(err)) {
        // Stopped for a newer plan: what the sync wrote (every write confirmed) joins the line; the loop ends there.
        const progress = stoppedProgress(err);
        if (progress) {
          addSyncCounts(result, progress);
          appliedMask = progress.appliedMask ?? appliedMask;
          lastProgress = progress;
        }
        continue;
      }
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
        // A pause ends early when a newer plan takes the schedule over (runs from before it had only the timer).
        if (pauseMs > 0 && input.submittedAtMs !== undefined)
          await condition(() => supersededBy !== undefined, pauseMs);
        else if (pauseMs > 0) await sleep(pauseMs);
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

/**
 * Where this schedule's syncs run: a tenant's own queue, whose slots no other tenant's syncs take, when this worker
 * serves the tenant; the HTTP queue otherwise (a tenant the worker does not know fails there with `UnknownTenant`, as
 * it did before tenants had queues: no worker polls the queue of a tenant no worker serves).
 */
async function syncTaskQueue(tenant: string | undefined): Promise<string> {
  const workflowQueue = workflowInfo().taskQueue;
  if (tenant === undefined || !patched(TENANT_SYNC_QUEUE)) return httpTaskQueueFor(workflowQueue);
  const { servesTenant } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });
  return (await servesTenant({ tenant }))
    ? tenantSyncTaskQueueFor(workflowQueue, tenant)
    : httpTaskQueueFor(workflowQueue);
}

/**
 * The sync in flight, in a scope of its own so that a newer plan can stop it without cancelling the workflow; the
 * activity waits for a write in flight before it ends (see `syncScheduleWith`).
 */
class StoppableSync {
  private scope: CancellationScope | undefined;
  private stopRequested = false;

  run<T>(sync: () => Promise<T>): Promise<T> {
    this.scope = new CancellationScope();
    if (this.stopRequested) this.scope.cancel();
    return this.scope.run(sync);
  }

  stop(): void {
    this.stopRequested = true;
    this.scope?.cancel();
  }

  /** Did this failure come of `stop`, not of the workflow's own cancellation? */
  stopped(err: unknown): boolean {
    return this.stopRequested && isCancellation(err) && !CancellationScope.current().consideredCancelled;
  }
}

/** What a stopped sync had done (its cancellation's details), if it says. */
function stoppedProgress(err: unknown): SyncProgress | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const details = (cause as { details?: unknown[] } | undefined)?.details;
  const progress = details?.[0] as SyncProgress | undefined;
  return progress && typeof progress === 'object' && 'writes' in progress ? progress : undefined;
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

/**
 * The line of a schedule a newer plan took over: what this push had written (its agents stay as written unless the
 * newer plan names them), what was in place at its last read; the rest is left to the newer plan.
 */
function supersededResult(
  prior: ScheduleResult,
  byPlanId: string,
  lastProgress: SyncProgress | undefined,
): ScheduleResult {
  const { failure: _none, ...line } = prior;
  return {
    ...line,
    outcome: 'superseded',
    supersededBy: byPlanId,
    agentsAlreadyInPlace: inPlaceAtLastRead(lastProgress),
  };
}

function outcomeDetails(r: ScheduleResult): string {
  if (r.outcome === 'superseded')
    return `SUPERSEDED by plan ${r.supersededBy}: stopped after writing ${r.agentsChanged} agents; those the newer plan does not name stay as written`;
  if (r.failure) return `Failed: ${r.failure.type}: ${r.failure.message}`;
  return `${r.outcome}: ${r.agentsChanged} agents changed, ${r.agentsAlreadyInPlace} already in place, version ${r.versionBefore} → ${r.versionAfter}; ${r.conflicts} conflicts, ${r.requests ?? 0} requests, ${r.rateLimitWaits} answered 429, ${r.transientRetries} transient retries`;
}
