import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  ParentClosePolicy,
  patched,
  proxyActivities,
  sleep,
  startChild,
} from '@temporalio/workflow';
import type { Activities, RunEnded } from '../activities/create-activities';
import { BULK_PUSH_ID, schedulePushWorkflowId, SCHEDULE_ID, TENANT } from '../model/names';
import { emptyScheduleResult, type ScheduleResult } from '../model/report';
import type { SupersedingPlan } from '../model/supersede';
import { HEARTBEAT_TIMEOUT_MS } from '../model/timeouts';
import { schedulePush, type SchedulePushInput } from './schedule-push';

const BUSY_SCHEDULE_RETRY_MS = 5_000;

export interface ChildEvents {
  /** A start is on its way to the server. */
  onStarting(): void;
  /** The schedule is held by another push: waiting until it lets go. */
  onWaiting(): void;
  /** The child's run has started. */
  onStarted(runId: string): void;
  /** Who asks for the schedule, when another push holds it (see model/supersede.ts). */
  claimant?: SupersedingPlan;
  /** A newer plan's push holds the schedule and takes it over: this push leaves it (returns its line, recorded). */
  onSuperseded?(byPlanId: string): Promise<ScheduleResult>;
}

/**
 * Starts the schedule's child and waits for its result. If the schedule's workflow ID is taken, another push is
 * writing that schedule now: wait and start afterwards, so two pushes never write one schedule at once.
 */
export async function runChild(input: SchedulePushInput, events: ChildEvents): Promise<ScheduleResult> {
  const { waitForWorkflowToClose } = proxyActivities<Activities>({
    summary: `Wait until the push that holds schedule ${input.scheduleId} lets it go`,
    startToCloseTimeout: '30 days',
    // The activity heartbeats while it waits: a killed worker's wait (or one lost in a server crash) moves on.
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: { initialInterval: '5 seconds', maximumInterval: '1 minute' },
  });
  for (;;) {
    try {
      events.onStarting();
      const handle = await startChild(schedulePush, {
        workflowId: schedulePushWorkflowId(input.scheduleId, input.tenant),
        args: [input],
        typedSearchAttributes: [
          { key: BULK_PUSH_ID, value: input.planId },
          { key: SCHEDULE_ID, value: input.scheduleId },
          ...(input.tenant === undefined ? [] : [{ key: TENANT, value: input.tenant }]),
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
      if (patched('wait-for-busy-schedule-in-activity')) {
        // Given who asks, the wait takes the schedule over from an older push (`--supersede`) or leaves it to a newer
        // one that supersedes this push; otherwise it waits as before.
        const waited = await waitForWorkflowToClose({
          workflowId: schedulePushWorkflowId(input.scheduleId, input.tenant),
          ...(events.claimant ? { claimant: events.claimant } : {}),
        });
        if (waited?.supersededBy !== undefined && events.onSuperseded)
          return events.onSuperseded(waited.supersededBy);
      } else await sleep(BUSY_SCHEDULE_RETRY_MS);
    }
  }
}

/** The report line a schedule push fails with (see schedulePush), if this failure is one. */
export function reportedResult(err: unknown): ScheduleResult | undefined {
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
export function childFailed(input: SchedulePushInput, err: unknown): ScheduleResult {
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
 * The line of a child that a later run saw close, as the run that started it would have made it from the child's
 * result; `recorded` when the child recorded that line itself.
 */
export function lineOfClosedChild(
  seen: RunEnded,
  child: { scheduleId: string; agentsPlanned: number },
): { result: ScheduleResult; recorded: boolean } {
  const result = seen.result as Partial<ScheduleResult> | undefined;
  if (result && typeof result.scheduleId === 'string')
    return { result: result as ScheduleResult, recorded: true };
  const line = asFailedLine(seen.failure?.details?.[0]);
  if (line) return { result: line, recorded: true };
  return {
    result: {
      ...emptyScheduleResult(child.scheduleId, child.agentsPlanned),
      failure: {
        type: seen.failure?.type ?? 'Error',
        message: seen.failure?.message ?? 'the schedule workflow closed without a result',
      },
    },
    recorded: false,
  };
}
