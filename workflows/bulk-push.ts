import {
  ChildWorkflowFailure,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  condition,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/create-activities';
import { BULK_PUSH_ID, schedulePushWorkflowId, SCHEDULE_ID } from '../model/names';
import {
  addToTotals,
  emptyScheduleResult,
  emptyTotals,
  type PushReport,
  type ScheduleResult,
} from '../model/report';
import { progressQuery, type PushProgress } from './messages';
import { schedulePush } from './schedule-push';

export interface BulkPushInput {
  planId: string;
  planRef: string;
  schedules: number;
  agentsPlanned: number;
  /** Children in flight at once. Default 50, at most 500 (Temporal's pending-children budget is 2,000). */
  maxInFlight?: number;
  /** Passed to each schedule push. Default 20. */
  conflictBudget?: number;
}

const PAGE_SIZE = 200;
const BUSY_SCHEDULE_RETRY_MS = 5_000;

/**
 * A bulk push: one child workflow per schedule, a bounded number in flight, every result gathered into a report.
 */
export async function bulkPush(input: BulkPushInput): Promise<PushReport> {
  const { listPlanSchedules } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5 },
  });
  const maxInFlight = Math.min(500, Math.max(1, input.maxInFlight ?? 50));
  let totals = emptyTotals(input.schedules, input.agentsPlanned);
  const results: ScheduleResult[] = [];
  let inFlight = 0;
  let waitingForOtherPush = 0;

  setHandler(progressQuery, (): PushProgress => ({
    planId: input.planId,
    totals,
    inFlight,
    waitingForOtherPush,
  }));
  const record = (result: ScheduleResult) => {
    results.push(result);
    totals = addToTotals(totals, result);
    setCurrentDetails(progressLine(totals, inFlight));
  };

  const running: Promise<void>[] = [];
  for (let offset = 0; offset < input.schedules; offset += PAGE_SIZE) {
    const page = await listPlanSchedules({ planRef: input.planRef, offset, limit: PAGE_SIZE });
    for (const { scheduleId, agents } of page.schedules) {
      await condition(() => inFlight < maxInFlight);
      inFlight++;
      const child = {
        planId: input.planId,
        planRef: input.planRef,
        scheduleId,
        agentsPlanned: agents,
        conflictBudget: input.conflictBudget,
      };
      const onBusy = (busy: boolean) => (waitingForOtherPush += busy ? 1 : -1);
      running.push(
        runChild(child, onBusy)
          .then(record, (err) => {
            if (isCancellation(err)) throw err;
            record(childFailed(scheduleId, agents, err));
          })
          .finally(() => inFlight--),
      );
    }
  }
  await Promise.all(running);
  setCurrentDetails(`Done. ${progressLine(totals, 0)}`);
  return { planId: input.planId, state: 'completed', totals, schedules: results };
}

/**
 * Starts the schedule's child and waits for its result. If the schedule's workflow ID is taken, another push is
 * writing that schedule now: wait and start afterwards, so two pushes never write one schedule at once.
 */
async function runChild(
  input: Parameters<typeof schedulePush>[0],
  onBusy: (busy: boolean) => void,
): Promise<ScheduleResult> {
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
      });
      if (busy) onBusy(false);
      return await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (!busy) onBusy((busy = true));
      await sleep(BUSY_SCHEDULE_RETRY_MS);
    }
  }
}

/** A child that failed as a workflow (terminated, timed out, a bug) still gets its line in the report. */
function childFailed(scheduleId: string, agentsPlanned: number, err: unknown): ScheduleResult {
  const cause = err instanceof ChildWorkflowFailure ? (err.cause ?? err) : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    ...emptyScheduleResult(scheduleId, agentsPlanned),
    failure: { type: cause instanceof Error ? cause.name : 'Error', message },
  };
}

function progressLine(t: PushProgress['totals'], inFlight: number): string {
  return `${t.schedulesDone}/${t.schedules} schedules done, ${inFlight} in flight; agents: ${t.agentsChanged} changed, ${t.agentsAlreadyInPlace} already in place, ${t.agentsFailed} failed; ${t.conflicts} conflicts resolved`;
}
