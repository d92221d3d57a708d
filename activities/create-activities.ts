import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Plan, SchedulePlan } from '../model/plan';
import type { ScheduleResult } from '../model/report';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
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

/** A workflow run that a bulk push follows: a child started by one of its earlier runs. */
export interface RunToFollow {
  workflowId: string;
  runId: string;
}

/** How a followed run ended, as its parent would have learnt it from the run's result. */
export interface RunEnded {
  workflowId: string;
  runId: string;
  /** What the run returned, when it completed. */
  result?: unknown;
  /** Why it did not complete: the failure's type (an ApplicationFailure's, or how Temporal ended it), its message and details. */
  failure?: { type: string; message: string; details?: unknown[] };
}

/**
 * Once one followed run has closed, how long to gather others that close too before answering: fewer round trips in
 * the bulk push's history when many close together.
 */
const GATHER_ENDED_RUNS_MS = 500;

/** The activities of a push, closed over the WFM port and the stores the worker built from its settings. */
export function createActivities({ wfm, temporal, plans, results, maxAgentsPerWrite = 500 }: ActivityDeps) {
  const schedulesOf = indexBySchedule();

  return {
    async listPlanSchedules(input: { planRef: PlanRef; offset: number; limit: number }): Promise<PlanPage> {
      const plan = await plans.get(input.planRef);
      const page = plan.schedules.slice(input.offset, input.offset + input.limit);
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
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
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

    /**
     * Waits until at least one of these workflow runs has closed (and briefly for others closing with it), and says
     * how each closed one ended. Long-polls every run's result at once and heartbeats meanwhile; a run the server no
     * longer knows (its retention ran out) counts as closed, so that nobody waits for it for ever.
     */
    async waitForRunsToClose(input: { runs: RunToFollow[] }): Promise<RunEnded[]> {
      if (input.runs.length === 0) return [];
      const ctx = Context.current();
      const polls = new AbortController();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      let cancelled: (() => void) | undefined;
      try {
        return await new Promise<RunEnded[]>((resolve, reject) => {
          cancelled = () => reject(ctx.cancellationSignal.reason);
          if (ctx.cancellationSignal.aborted) return cancelled();
          ctx.cancellationSignal.addEventListener('abort', cancelled);
          const ended: RunEnded[] = [];
          let gathering: NodeJS.Timeout | undefined;
          for (const run of input.runs) {
            howRunEnded(temporal, run, polls.signal).then((end) => {
              if (!end) return;
              ended.push(end);
              gathering ??= setTimeout(() => resolve(ended), GATHER_ENDED_RUNS_MS);
            }, reject);
          }
        });
      } finally {
        polls.abort();
        clearInterval(beat);
        if (cancelled) ctx.cancellationSignal.removeEventListener('abort', cancelled);
      }
    },

    /** Brings one schedule to its planned state: see `syncScheduleWith`. */
    async syncSchedule(input: { planRef: PlanRef; scheduleId: string }): Promise<SyncResult> {
      const planned = schedulesOf(await plans.get(input.planRef)).get(input.scheduleId);
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

/** How the run ended, once it has; undefined when the wait was called off. */
async function howRunEnded(
  temporal: Client,
  { workflowId, runId }: RunToFollow,
  signal: AbortSignal,
): Promise<RunEnded | undefined> {
  const handle = temporal.workflow.getHandle(workflowId, runId, { followRuns: false });
  try {
    const result: unknown = await temporal.withAbortSignal(signal, () => handle.result());
    return { workflowId, runId, result };
  } catch (err) {
    if (signal.aborted) return undefined;
    if (err instanceof WorkflowNotFoundError)
      return { workflowId, runId, failure: { type: 'NotFound', message: `workflow run ${runId} is gone` } };
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    return {
      workflowId,
      runId,
      failure: {
        // An ApplicationFailure carries its own type; Temporal's own endings (terminated, cancelled, timed out) are
        // named by their class.
        type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'Error'),
        message: cause?.message ?? err.message,
        details: cause instanceof ApplicationFailure ? (cause.details ?? undefined) : undefined,
      },
    };
  }
}

/** Remembers a schedule index per plan object, so each sync finds its schedule without a scan. */
function indexBySchedule(): (plan: Plan) => Map<string, SchedulePlan> {
  const indexes = new WeakMap<Plan, Map<string, SchedulePlan>>();
  return (plan) => {
    let index = indexes.get(plan);
    if (!index) {
      index = new Map(plan.schedules.map((s) => [s.scheduleId, s]));
      indexes.set(plan, index);
    }
    return index;
  };
}
