import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/create-activities';
import type { DiffActivities } from '../activities/diff-schedule';
import { httpTaskQueueFor } from '../model/names';
import { HEARTBEAT_TIMEOUT_MS, STORE_ACTIVITY_TIMEOUT_MS } from '../model/timeouts';
import { addDiffCounts, DIFF_READ_ATTEMPTS, emptyDiffCounts, type DiffCounts } from '../model/plan-diff';
import type { NewerEditPolicy } from '../model/push-options';
import { FailureType } from '../model/failures';

export interface PlanDiffInput {
  diffId: string;
  planId: string;
  planRef: string;
  schedules: number;
  onNewerEdit: NewerEditPolicy;
  /** Reads in flight at once, 1..500. Default 50. */
  maxInFlight?: number;
  /** Set by the previous run when the diff continues as new. */
  carried?: { cursor: number; done: number; totals: DiffCounts };
}

export interface PlanDiffProgress {
  diffId: string;
  schedules: number;
  /** Schedules read (or found unreadable) so far. */
  done: number;
  inFlight: number;
  totals: DiffCounts;
}

/** Read-only progress of a diff, for the CLI that follows it. */
export const diffProgressQuery = defineQuery<PlanDiffProgress>('diffProgress');

const PAGE_SIZE = 200;
/** Reads per run before continuing as new: each costs about 6 history events. */
const READS_PER_RUN = 500;

/**
 * A dry run of a plan: one read activity per schedule on the HTTP task queue (so the worker's rate control paces it
 * like a push), a bounded window in flight, continuing as new every few hundred reads. It writes nothing to the WFM;
 * each schedule's diff goes to the diff store and only counts come back here.
 */
export async function planDiff(input: PlanDiffInput): Promise<DiffCounts> {
  const { listPlanSchedules } = proxyActivities<Activities>({
    summary: 'Read the next page of schedules from the stored plan',
    startToCloseTimeout: STORE_ACTIVITY_TIMEOUT_MS,
    retry: { maximumAttempts: 10 },
  });
  const { diffPlannedSchedule } = proxyActivities<DiffActivities>({
    taskQueue: httpTaskQueueFor(workflowInfo().taskQueue),
    summary: 'Read a schedule and store what the push would change',
    // A read waits out rate limits inside the attempt, like a push's sync does.
    startToCloseTimeout: '24 hours',
    // The read heartbeats: a killed worker's read, or one a server crash lost, moves to another within this.
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry: {
      initialInterval: '500 milliseconds',
      maximumInterval: '30 seconds',
      maximumAttempts: DIFF_READ_ATTEMPTS,
    },
  });
  const maxInFlight = Math.min(500, Math.max(1, input.maxInFlight ?? 50));
  let cursor = input.carried?.cursor ?? 0;
  let done = input.carried?.done ?? 0;
  let totals = input.carried?.totals ?? emptyDiffCounts();
  let inFlight = 0;
  let startedThisRun = 0;
  const progress = (): PlanDiffProgress => ({
    diffId: input.diffId,
    schedules: input.schedules,
    done,
    inFlight,
    totals,
  });
  const show = () =>
    setCurrentDetails(
      `${done}/${input.schedules} schedules read; ${totals.agentsToWrite} agents would be written, ${totals.agentsInPlace} in place, ${totals.agentsEditedSincePlan} edited since the plan. Nothing is written.`,
    );
  setHandler(diffProgressQuery, progress);

  show();
  while (
    cursor < input.schedules &&
    startedThisRun < READS_PER_RUN &&
    !workflowInfo().continueAsNewSuggested
  ) {
    const page = await listPlanSchedules({ planRef: input.planRef, offset: cursor, limit: PAGE_SIZE });
    if (page.schedules.length === 0)
      throw ApplicationFailure.nonRetryable(
        `plan ${input.planRef} ends at ${cursor} of ${input.schedules} schedules`,
        FailureType.PlanMismatch,
      );
    for (const { scheduleId } of page.schedules) {
      await condition(() => inFlight < maxInFlight);
      if (startedThisRun >= READS_PER_RUN) break;
      cursor++;
      startedThisRun++;
      inFlight++;
      void diffPlannedSchedule({
        diffId: input.diffId,
        planRef: input.planRef,
        scheduleId,
        onNewerEdit: input.onNewerEdit,
      })
        .then((counts) => void (totals = addDiffCounts(totals, counts)))
        // Only a bug (PlanMismatch) or a cancellation gets here: the report shows the schedule as not read.
        .catch((err: unknown) =>
          log.warn('schedule diff failed', { scheduleId, error: err instanceof Error ? err.message : err }),
        )
        .finally(() => {
          inFlight--;
          done++;
          show();
        });
    }
  }
  await condition(() => inFlight === 0);
  if (cursor < input.schedules) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof planDiff>({ ...input, carried: { cursor, done, totals } });
  }
  setCurrentDetails(`Done. ${done}/${input.schedules} schedules read. Nothing was written.`);
  return totals;
}
