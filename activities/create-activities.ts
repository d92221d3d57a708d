import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ScheduleResult } from '../model/report';
import type { SyncResult } from '../model/sync-progress';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';
import type { WfmPort } from '../wfm/port';
import { syncScheduleWith } from './sync-schedule';

export interface ActivityDeps {
  wfm: WfmPort;
  /** For waiting on another push's workflow (no WFM call). */
  temporal: Client;
  plans: PlanStore;
  results: ResultStore;
  /** Most agents one write carries; bigger schedules are written in chunks. Default 500. */
  maxAgentsPerWrite?: number;
}

export interface PlanPage {
  /** Schedules from `offset`, at most `limit`. */
  schedules: Array<{ scheduleId: string; agents: number }>;
}

/** The activities of a push, closed over the WFM port and the stores the worker built from its settings. */
export function createActivities({ wfm, temporal, plans, results, maxAgentsPerWrite = 500 }: ActivityDeps) {
  return {
    async listPlanSchedules(input: { planRef: PlanRef; offset: number; limit: number }): Promise<PlanPage> {
      // One page, not the whole plan: a PostgreSQL store reads it with one indexed query.
      const page = await plans.getSchedules(input.planRef, input.offset, input.limit);
      return { schedules: page.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length })) };
    },

    /** Keeps a schedule's outcome for the report (the latest result of a schedule wins). */
    async recordScheduleResult(input: { planId: string; result: ScheduleResult }): Promise<void> {
      await results.putResult(input.planId, input.result);
    },

    /**
     * Waits until the workflow `workflowId` (another push's schedule push) has closed, however it ends. Long-polls
     * its result and heartbeats meanwhile; returns at once if it is closed or unknown.
     */
    async waitForWorkflowToClose(input: { workflowId: string }): Promise<void> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 10_000);
      try {
        await temporal
          .withAbortSignal(ctx.cancellationSignal, () =>
            temporal.workflow.getHandle(input.workflowId).result(),
          )
          .catch((err: unknown) => {
            if (ctx.cancellationSignal.aborted) throw err;
            // It failed, was cancelled or terminated, or is gone: either way it no longer holds the schedule.
          });
      } finally {
        clearInterval(beat);
      }
    },

    /** Brings one schedule to its planned state: see `syncScheduleWith`. */
    async syncSchedule(input: { planRef: PlanRef; scheduleId: string }): Promise<SyncResult> {
      const planned = await plans.getSchedule(input.planRef, input.scheduleId);
      if (!planned) {
        // A bug or a tampered store, not a passing fault: no retry can fix it.
        throw ApplicationFailure.nonRetryable(
          `schedule ${input.scheduleId} is not in plan ${input.planRef}`,
          'PlanMismatch',
        );
      }
      return syncScheduleWith(wfm, planned, maxAgentsPerWrite);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
