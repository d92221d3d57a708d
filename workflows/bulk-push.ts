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
import type { Activities, ClosedRun } from '../activities/create-activities';
import { BULK_PUSH_ID, schedulePushWorkflowId, SCHEDULE_ID } from '../model/names';
import { PUSH_DEFAULTS, type PushOptions } from '../model/push-options';
import { emptyScheduleResult, type PushSummary, type ScheduleResult } from '../model/report';
import { pauseSignal, progressQuery, resumeSignal, scheduleFinishedSignal } from './messages';
import { PushLedger, type CarriedChild, type CarriedState } from './push-ledger';
import { schedulePush, type SchedulePushInput } from './schedule-push';

export interface BulkPushInput extends PushOptions {
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
 * Runs with this patch keep their window full across continue-as-new: children report by signal to the push's
 * workflow ID, so a run hands its children in flight to the next one instead of waiting for them. Runs that began
 * before it wait for each child's result and drain before continuing as new.
 */
const CHILDREN_REPORT_BY_SIGNAL = 'children-report-by-signal';
/** A child of an earlier run that has not reported after this long is looked at (then twice as long, up to the cap). */
const LOOK_AT_SILENT_CHILDREN_FIRST_MS = 30_000;
const LOOK_AT_SILENT_CHILDREN_MAX_MS = 15 * 60_000;

/**
 * A bulk push: one child workflow per schedule, a bounded number in flight, pausable, continuing as new every few
 * hundred schedules so no run's history grows large. Per-schedule results go to the result store; this returns counts.
 */
export async function bulkPush(input: BulkPushInput): Promise<PushSummary> {
  const childrenReport = patched(CHILDREN_REPORT_BY_SIGNAL);
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

  const finished = (scheduleId: string, result: ScheduleResult | undefined) => {
    if (push.childFinished(scheduleId, result)) show();
  };
  if (childrenReport) {
    setHandler(scheduleFinishedSignal, ({ scheduleId, runId, result }) => {
      if (push.childReported(scheduleId, runId, result)) show();
    });
  }
  /** A child that ended without a report line of its own still gets one: not silently dropped. */
  const recordFailed = async (line: ScheduleResult) => {
    // If even the store refuses, the report marks the schedule not started: still not silently dropped.
    await recordScheduleResult({ planId: input.planId, result: line }).catch(() => undefined);
    finished(line.scheduleId, line);
  };
  const launch = (child: CarriedChild) => {
    const childInput: SchedulePushInput = {
      planId: input.planId,
      planRef: input.planRef,
      scheduleId: child.scheduleId,
      agentsPlanned: child.agentsPlanned,
      conflictBudget: input.conflictBudget,
      ...(childrenReport ? { reportTo: workflowInfo().workflowId } : {}),
    };
    let runId: string | undefined;
    return runChild(childInput, {
      onStarting: () => push.childWaiting(child.scheduleId, false),
      onWaiting: () => push.childWaiting(child.scheduleId, true),
      onStarted: (id) => {
        runId = id;
        if (push.childRunning(child.scheduleId, id)) show();
      },
    }).then(
      // The child's signal may have counted it already: each child is counted once, by whichever report comes first.
      (result) => (push.awaits(child.scheduleId, runId) ? finished(child.scheduleId, result) : undefined),
      async (err: unknown) => {
        if (isCancellation(err)) return; // The push was cancelled; the abandoned child finishes and records itself.
        if (!push.awaits(child.scheduleId, runId)) return;
        const reported = reportedResult(err);
        if (reported) return finished(child.scheduleId, reported); // A failed schedule: its line is recorded.
        await recordFailed(childFailed(childInput, err));
      },
    );
  };

  /**
   * Children of earlier runs report only by signal. One that closed without it (terminated, or failed before it could
   * report) would keep the push waiting for ever, so those still silent after a while are looked at.
   */
  const lookAfterChildrenOfEarlierRuns = async () => {
    const { closedRuns } = proxyActivities<Activities>({
      summary: 'Find which children of earlier runs have closed without reporting',
      startToCloseTimeout: '5 minutes',
      heartbeatTimeout: '1 minute',
      retry: { maximumAttempts: 10 },
    });
    for (let waitMs = LOOK_AT_SILENT_CHILDREN_FIRST_MS; ;) {
      const allReported = await condition(() => !push.hasChildrenOfEarlierRuns(), waitMs, {
        summary: 'Wait for the children of earlier runs to report',
      });
      if (allReported) return;
      const silent = push.childrenOfEarlierRuns();
      const closed = await closedRuns({
        runs: silent.map((c) => ({ workflowId: schedulePushWorkflowId(c.scheduleId), runId: c.runId })),
      }).catch((err: unknown) => {
        if (isCancellation(err)) throw err;
        log.warn('could not look at the children of earlier runs; will look again', {
          error: err instanceof Error ? err.message : 'unknown',
        });
        return [];
      });
      for (const run of closed) {
        const child = silent.find((c) => c.runId === run.runId);
        // Its signal came after all (it is in history before the activity's result): counted once.
        if (!child || !push.awaits(child.scheduleId, run.runId)) continue;
        const line = lineOfClosedRun(run, child);
        if (line.recorded) finished(child.scheduleId, line.result);
        else await recordFailed(line.result);
      }
      waitMs = Math.min(2 * waitMs, LOOK_AT_SILENT_CHILDREN_MAX_MS);
    }
  };

  try {
    show();
    log.info('bulk push run started', {
      planId: input.planId,
      cursor: push.cursor,
      schedules: input.schedules,
      inFlight: push.inFlight,
    });
    for (const child of push.carriedToStart()) void launch(child);
    if (push.hasChildrenOfEarlierRuns())
      void lookAfterChildrenOfEarlierRuns().catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
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
        push.childStarted(scheduleId, agents);
        void launch({ scheduleId, agentsPlanned: agents });
      }
    }
    if (childrenReport && !push.planExhausted) {
      // The next run takes the children in flight over; only starts still on their way must land in this one.
      await condition(() => push.noStartPending());
    } else {
      // The last run (or one from before children reported by signal) waits for every child.
      await condition(() => push.inFlight === 0);
    }
  } catch (err) {
    if (isCancellation(err))
      setCurrentDetails(
        `CANCELLED at ${push.cursor}/${input.schedules} schedules started; the rest are reported as not started.`,
      );
    throw err;
  }
  if (!push.planExhausted) {
    await condition(allHandlersFinished);
    log.info('bulk push continues as new', {
      planId: input.planId,
      cursor: push.cursor,
      inFlight: push.inFlight,
    });
    return continueAsNew<typeof bulkPush>({ ...input, carried: push.carried() });
  }
  setCurrentDetails(`Done. ${push.currentDetails()}`);
  log.info('bulk push finished', { planId: input.planId, ...push.totals });
  return { planId: input.planId, totals: push.totals };
}

interface ChildEvents {
  /** A start is on its way to the server. */
  onStarting(): void;
  /** The schedule is held by another push: waiting until it lets go. */
  onWaiting(): void;
  /** The child's run has started. */
  onStarted(runId: string): void;
}

/**
 * Starts the schedule's child and waits for its result. If the schedule's workflow ID is taken, another push is
 * writing that schedule now: wait and start afterwards, so two pushes never write one schedule at once.
 */
async function runChild(input: SchedulePushInput, events: ChildEvents): Promise<ScheduleResult> {
  const { waitForWorkflowToClose } = proxyActivities<Activities>({
    summary: `Wait until the push that holds schedule ${input.scheduleId} lets it go`,
    startToCloseTimeout: '30 days',
    // The activity heartbeats while it waits: a killed worker's wait moves to another one.
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
  });
  for (;;) {
    try {
      events.onStarting();
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
      events.onStarted(handle.firstExecutionRunId);
      return await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      events.onWaiting();
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
  return cause instanceof ApplicationFailure ? asFailedLine(cause.details?.[0]) : undefined;
}

function asFailedLine(value: unknown): ScheduleResult | undefined {
  const line = value as Partial<ScheduleResult> | undefined;
  return line && typeof line.scheduleId === 'string' && line.outcome === 'failed'
    ? (line as ScheduleResult)
    : undefined;
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

/**
 * The line of a child of an earlier run that closed without reporting, as the run that started it would have made
 * it from the child's result; `recorded` when the child recorded that line itself.
 */
function lineOfClosedRun(
  run: ClosedRun,
  child: { scheduleId: string; agentsPlanned: number },
): { result: ScheduleResult; recorded: boolean } {
  const result = run.result as Partial<ScheduleResult> | undefined;
  if (result && typeof result.scheduleId === 'string')
    return { result: result as ScheduleResult, recorded: true };
  const line = asFailedLine(run.failure?.details?.[0]);
  if (line) return { result: line, recorded: true };
  return {
    result: {
      ...emptyScheduleResult(child.scheduleId, child.agentsPlanned),
      failure: {
        type: run.failure?.type ?? 'Error',
        message: run.failure?.message ?? 'the schedule workflow closed without a result',
      },
    },
    recorded: false,
  };
}
