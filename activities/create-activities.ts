import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentMask } from '../model/agent-mask';
import { agentOutcomes } from '../model/agent-outcome';
import type { ApiStyle } from '../model/plan';
import type { PushNoticeInput } from '../model/push-notice';
import type { NewerEditPolicy } from '../model/push-options';
import type { ScheduleResult } from '../model/report';
import { settledResult } from '../model/schedule-line';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import type { SyncResult } from '../model/sync-progress';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';
import type { WfmPort } from '../wfm/port';
import { checkDrift, prepareDriftCheck, storeRepairPlan } from './drift';
import { storeInlinePlan } from './inline-plan';
import { sendDriftNotice, sendPushNotice } from './push-notice';
import { syncScheduleWith } from './sync-schedule';

export interface ActivityDeps {
  wfm: WfmPort;
  /** For waiting on another push's workflow (no WFM call). */
  temporal: Client;
  plans: PlanStore;
  results: ResultStore;
  /** Most agents one write carries; bigger schedules are written in chunks. Default 500. */
  maxAgentsPerWrite?: number;
  /** Which WFM API inline plans are validated for (genesys plans name business unit and week). Default rest. */
  apiStyle?: ApiStyle;
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
export function createActivities({
  wfm,
  temporal,
  plans,
  results,
  maxAgentsPerWrite = 500,
  apiStyle = 'rest',
}: ActivityDeps) {
  return {
    async listPlanSchedules(input: { planRef: PlanRef; offset: number; limit: number }): Promise<PlanPage> {
      // One page, not the whole plan: a PostgreSQL store reads it with one indexed query.
      const page = await plans.getSchedules(input.planRef, input.offset, input.limit);
      return { schedules: page.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length })) };
    },

    /**
     * Keeps a schedule's outcome for the report (the latest result of a schedule wins): the line of a schedule whose
     * sync did not complete (failed, cancelled, its workflow failed). Given the plan, every planned agent gets its
     * outcome too: written by the push (`appliedMask`), in place at the last read, or failed with the line's reason.
     */
    async recordScheduleResult(input: {
      planId: string;
      result: ScheduleResult;
      planRef?: PlanRef;
      appliedMask?: AgentMask;
      inPlaceMask?: AgentMask;
      keptMask?: AgentMask;
      protectedMask?: AgentMask;
    }): Promise<void> {
      const planned = input.planRef
        ? await plans.getSchedule(input.planRef, input.result.scheduleId)
        : undefined;
      const agents =
        planned &&
        agentOutcomes({
          agentIds: planned.agents.map((a) => a.agentId),
          applied: input.appliedMask ?? '',
          inPlace: input.inPlaceMask ?? '',
          kept: input.keptMask,
          protectedTime: input.protectedMask,
          failure: input.result.failure ?? { type: 'Error', message: 'the schedule push did not complete' },
        });
      await results.putResult(input.planId, agents ? { ...input.result, agents } : input.result);
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

    /**
     * Brings one schedule to its planned state (see `syncScheduleWith`). Given `prior` (the schedule's line so far),
     * it also stores the schedule's finished line with every planned agent's outcome, so those never cross into
     * workflow history, and says so (`recorded`).
     */
    async syncSchedule(input: {
      planRef: PlanRef;
      scheduleId: string;
      planId?: string;
      prior?: ScheduleResult;
      appliedBefore?: AgentMask;
      onNewerEdit?: NewerEditPolicy;
    }): Promise<SyncResult> {
      const planned = await plans.getSchedule(input.planRef, input.scheduleId);
      if (!planned) {
        // A bug or a tampered store, not a passing fault: no retry can fix it.
        throw ApplicationFailure.nonRetryable(
          `schedule ${input.scheduleId} is not in plan ${input.planRef}`,
          'PlanMismatch',
        );
      }
      const { result, newerEdits, collisions } = await syncScheduleWith(wfm, planned, {
        maxAgentsPerWrite,
        onNewerEdit: input.onNewerEdit,
        appliedBefore: input.appliedBefore,
      });
      if (!input.prior || input.planId === undefined) return result;
      const line = settledResult(input.prior, result);
      line.agents = agentOutcomes({
        agentIds: planned.agents.map((a) => a.agentId),
        applied: result.appliedMask ?? '',
        inPlace: result.inPlaceMask ?? '',
        newerEdits,
        collisions,
      });
      await results.putResult(input.planId, line);
      return { ...result, recorded: true };
    },

    /** Validates and stores a plan passed inline to `bulkPush`: see `storeInlinePlan`. */
    storeInlinePlan: (input: { start: unknown; workflowId: string }) =>
      storeInlinePlan({ plans, results, apiStyle }, input),

    /** POSTs the notice of a push that ended: see `sendPushNotice`. */
    sendPushNotice: (input: PushNoticeInput) => sendPushNotice({ plans, results }, input),

    /** POSTs what a drift check found: see `sendDriftNotice`. */
    sendDriftNotice,

    /** The landed part of a push, for a drift check: see `prepareDriftCheck`. */
    prepareDriftCheck: (input: { planId: string }) => prepareDriftCheck({ plans, results }, input),

    /** Reads a page of landed schedules and names the drifted agents (WFM calls: the HTTP queue). */
    checkDrift: (input: Parameters<typeof checkDrift>[1]) => checkDrift({ wfm, plans }, input),

    /** Stores the derived plan of a repair push: see `storeRepairPlan`. */
    storeRepairPlan: (input: Parameters<typeof storeRepairPlan>[1]) =>
      storeRepairPlan({ plans, results }, input),
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
