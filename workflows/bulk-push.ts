import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import { BULK_PUSH_ID, schedulePushWorkflowId, SCHEDULE_ID } from '../model/names';
import type { NoticeOptions } from '../model/push-notice';
import { PUSH_DEFAULTS, type PushOptions } from '../model/push-options';
import type { InlinePlanStart } from '../model/push-start';
import { emptyScheduleResult, type PushSummary, type ScheduleResult } from '../model/report';
import { pauseSignal, progressQuery, resumeSignal } from './messages';
import { PushLedger, type CarriedState } from './push-ledger';
import { storedPlanInput, withEndNotice } from './push-entry';
import { schedulePush, type SchedulePushInput } from './schedule-push';

/** A push as the client library starts it: the plan is in the plan store already; the workflow carries its reference. */
export interface BulkPushInput extends PushOptions, NoticeOptions {
  planId: string;
  /** The plan (or, for a retry, the part of it) this push covers. */
  planRef: string;
  schedules: number;
  agentsPlanned: number;
  /** Set by the previous run when the push continues as new. */
  carried?: CarriedState;
}

const PAGE_SIZE = 200;
const BUSY_SCHEDULE_RETRY_MS = 5_000;

/**
 * How `bulkPush` may be started: with a stored plan's reference (the CLI, the library, continue-as-new), or by any
 * Temporal client with the plan inline (the public contract, model/push-start.ts and docs/start-a-push.md).
 */
export type BulkPushStart = BulkPushInput | InlinePlanStart;

/**
 * A bulk push. An inline plan is validated and stored first, so from then on (and across continue-as-new) the
 * workflow carries only its reference; when the push ends, its notice goes out (see `pushNotice`).
 */
export async function bulkPush(start: BulkPushStart): Promise<PushSummary> {
  const input = await storedPlanInput(start);
  return withEndNotice(input, () => pushPlan(input));
}

/**
 * One child workflow per schedule, a bounded number in flight, pausable, continuing as new every few hundred
 * schedules so no run's history grows large. Per-schedule results go to the result store; this returns counts.
 */
async function pushPlan(input: BulkPushInput): Promise<PushSummary> {
  const { listPlanSchedules } = proxyActivities<Activities>({
    summary: 'Read the next page of schedules from the stored plan',
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10 },
  });
  const { recordScheduleResult } = proxyActivities<Activities>({
    summary: 'Record a schedule whose workflow failed',
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10 },
  });
  const push = new PushLedger(
    input.planId,
    input.schedules,
    input.agentsPlanned,
    {
      maxInFlight: Math.min(500, Math.max(1, input.maxInFlight ?? PUSH_DEFAULTS.maxInFlight)),
      maxChildrenPerRun: input.maxChildrenPerRun ?? PUSH_DEFAULTS.maxChildrenPerRun,
    },
    input.carried,
    Date.now(),
  );
  const show = () => setCurrentDetails(push.currentDetails());
  setHandler(progressQuery, () => push.progress());
  setHandler(pauseSignal, () => void ((push.paused = true), show()));
  setHandler(resumeSignal, () => void ((push.paused = false), show()));

  const finished = (result: ScheduleResult | undefined) => {
    push.childFinished(result);
    show();
  };
  const launch = (child: SchedulePushInput) =>
    runChild(child, (busy) => (push.waitingForOtherPush += busy ? 1 : -1)).then(
      finished,
      async (err: unknown) => {
        if (isCancellation(err)) return; // The push was cancelled; the abandoned child finishes and records itself.
        const reported = reportedResult(err);
        if (reported) return finished(reported); // A failed schedule: the child recorded its line already.
        const failed = childFailed(child, err);
        // If even the store refuses, the report marks the schedule not started: still not silently dropped.
        await recordScheduleResult({ planId: input.planId, result: failed, planRef: input.planRef }).catch(
          () => undefined,
        );
        finished(failed);
      },
    );

  try {
    show();
    log.info('bulk push run started', {
      planId: input.planId,
      cursor: push.cursor,
      schedules: input.schedules,
    });
    while (!push.planExhausted && !push.runIsFull(workflowInfo().continueAsNewSuggested)) {
      const page = await listPlanSchedules({ planRef: input.planRef, offset: push.cursor, limit: PAGE_SIZE });
      if (page.schedules.length === 0) {
        // The stored plan is shorter than the push was told: a bug or a tampered store, never worth a retry loop.
        throw ApplicationFailure.nonRetryable(
          `plan ${input.planRef} ends at ${push.cursor} of ${input.schedules} schedules`,
          'PlanMismatch',
        );
      }
      for (const { scheduleId, agents } of page.schedules) {
        await condition(() => push.mayStartChild());
        if (push.runIsFull(workflowInfo().continueAsNewSuggested)) break;
        push.childStarted();
        void launch({
          planId: input.planId,
          planRef: input.planRef,
          scheduleId,
          agentsPlanned: agents,
          conflictBudget: input.conflictBudget,
          onNewerEdit: input.onNewerEdit,
        });
      }
    }
    // Drain before continuing as new: every child of this run reports to this run.
    await condition(() => push.inFlight === 0);
  } catch (err) {
    if (isCancellation(err))
      setCurrentDetails(
        `CANCELLED at ${push.cursor}/${input.schedules} schedules started; the rest are reported as not started.`,
      );
    throw err;
  }
  if (!push.planExhausted) {
    await condition(allHandlersFinished);
    log.info('bulk push continues as new', { planId: input.planId, cursor: push.cursor });
    return continueAsNew<typeof bulkPush>({ ...input, carried: push.carried() });
  }
  setCurrentDetails(`Done. ${push.currentDetails()}`);
  log.info('bulk push finished', { planId: input.planId, ...push.totals });
  return { planId: input.planId, totals: push.totals };
}

/**
 * Starts the schedule's child and waits for its result. If the schedule's workflow ID is taken, another push is
 * writing that schedule now: wait and start afterwards, so two pushes never write one schedule at once.
 */
async function runChild(input: SchedulePushInput, onBusy: (busy: boolean) => void): Promise<ScheduleResult> {
  const { waitForWorkflowToClose } = proxyActivities<Activities>({
    summary: `Wait until the push that holds schedule ${input.scheduleId} lets it go`,
    startToCloseTimeout: '30 days',
    // The activity heartbeats while it waits: a killed worker's wait moves to another one.
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
  });
  for (let busy = false; ;) {
    try {
      const handle = await startChild(schedulePush, {
        workflowId: schedulePushWorkflowId(input.scheduleId),
        args: [input],
        typedSearchAttributes: [
          { key: BULK_PUSH_ID, value: input.planId },
          { key: SCHEDULE_ID, value: input.scheduleId },
        ],
        staticSummary: `Push ${input.agentsPlanned} agents of plan ${input.planId} into schedule ${input.scheduleId}`,
        // A child outlives its parent's run (continue-as-new) and its cancellation: a sync in flight always completes
        // and records its own result, so the report never guesses what a half-cancelled write did.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
      });
      if (busy) onBusy(false);
      return await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (!busy) onBusy((busy = true));
      // One activity that waits for the other push's schedule workflow to close costs three history events however
      // long it takes; retrying the start every few seconds cost four per try and could fill the history.
      if (patched('wait-for-busy-schedule-in-activity'))
        await waitForWorkflowToClose({ workflowId: schedulePushWorkflowId(input.scheduleId) });
      else await sleep(BUSY_SCHEDULE_RETRY_MS);
    }
  }
}

/** The report line a schedule push fails with (see schedulePush), if this failure is one. */
function reportedResult(err: unknown): ScheduleResult | undefined {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  const line =
    cause instanceof ApplicationFailure ? (cause.details?.[0] as ScheduleResult | undefined) : undefined;
  return line && typeof line.scheduleId === 'string' && line.outcome === 'failed' ? line : undefined;
}

/** A child that failed otherwise (terminated, timed out, a bug) still gets its line in the report. */
function childFailed(input: SchedulePushInput, err: unknown): ScheduleResult {
  const cause = err instanceof ChildWorkflowFailure ? (err.cause ?? err) : err;
  return {
    ...emptyScheduleResult(input.scheduleId, input.agentsPlanned),
    failure: {
      type: cause instanceof Error ? cause.name : 'Error',
      message: cause instanceof Error ? cause.message : String(cause),
    },
  };
}
