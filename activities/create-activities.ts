import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../model/failures';
import type { Plan, SchedulePlan } from '../model/plan';
import type { ScheduleResult } from '../model/report';
import { rebase } from './rebase';
import type { PlanRef, PlanStore } from './plan-store';
import type { ResultStore } from './result-store';
import { emptyProgress, type SyncProgress } from './sync-progress';
import type { AgentChange, WfmPort } from './wfm-port';

export interface ActivityDeps {
  wfm: WfmPort;
  plans: PlanStore;
  results: ResultStore;
  /** Most agents one write carries; bigger schedules are written in chunks. Default 500. */
  maxAgentsPerWrite?: number;
}

export interface PlanPage {
  /** Schedules from `offset`, at most `limit`. */
  schedules: Array<{ scheduleId: string; agents: number }>;
  total: number;
}

/** What one sync did. No document crosses into workflow history, only these counts. */
export interface SyncResult extends SyncProgress {
  versionRead: string;
  /** The version that holds the planned state: the last one written, or the one read when nothing had to change. */
  versionNow: string;
}

/** Well under the workflow's heartbeat timeout (20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

export function createActivities({ wfm, plans, results, maxAgentsPerWrite = 500 }: ActivityDeps) {
  const schedulesOf = indexBySchedule();

  return {
    async listPlanSchedules(input: { planRef: PlanRef; offset: number; limit: number }): Promise<PlanPage> {
      const plan = await plans.get(input.planRef);
      const page = plan.schedules.slice(input.offset, input.offset + input.limit);
      return {
        schedules: page.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length })),
        total: plan.schedules.length,
      };
    },

    /** Keeps a schedule's outcome for the report (the latest result of a schedule wins). */
    async recordScheduleResult(input: { planId: string; result: ScheduleResult }): Promise<void> {
      await results.putResult(input.planId, input.result);
    },

    /**
     * Reads the schedule as it is now, re-applies the plan on top (rebase, never replay) and writes it conditionally,
     * in chunks, each based on the version the previous write returned. When the schedule already holds the plan,
     * nothing is written: after a lost acknowledgement, the retry lands here.
     *
     * Counts survive retries in the heartbeat details and reach the workflow in a failure's details, so the report
     * says what really happened across attempts. A version conflict goes back to the workflow, which counts it and
     * calls again for a fresh read.
     */
    async syncSchedule(input: { planRef: PlanRef; scheduleId: string }): Promise<SyncResult> {
      const ctx = Context.current();
      const progress: SyncProgress = {
        ...emptyProgress(),
        ...(ctx.info.heartbeatDetails as SyncProgress | undefined),
      };
      const planned = schedulesOf(await plans.get(input.planRef)).get(input.scheduleId);
      if (!planned) {
        // A bug or a tampered store, not a passing fault: no retry can fix it.
        throw ApplicationFailure.nonRetryable(
          `schedule ${input.scheduleId} is not in plan ${input.planRef}`,
          'PlanMismatch',
        );
      }
      let pendingWrite: AgentChange[] = [];
      // A steady heartbeat lets Temporal notice a dead worker within the heartbeat timeout, not the 2-minute limit.
      const beat = setInterval(() => ctx.heartbeat(progress), HEARTBEAT_EVERY_MS);
      try {
        let current = await wfm.readSchedule(input.scheduleId, ctx.cancellationSignal);
        const versionRead = current.version;
        progress.firstVersionRead ??= versionRead;
        const { changes, inPlace } = rebase(current.agents, planned.agents);
        settleWriteInDoubt(progress, inPlace);
        for (let i = 0; i < changes.length; i += maxAgentsPerWrite) {
          pendingWrite = changes.slice(i, i + maxAgentsPerWrite);
          current = await wfm.writeAgents(current, pendingWrite, ctx.cancellationSignal);
          progress.agentsChanged += pendingWrite.length;
          progress.writes++;
          pendingWrite = [];
          ctx.heartbeat(progress);
        }
        return { ...progress, versionRead, versionNow: current.version };
      } catch (err) {
        throw withProgress(err, progress, pendingWrite, ctx);
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * A write whose answer never came may have committed. The agents it carried that are now in place were landed by it:
 * count them as changed, not as found in place.
 */
function settleWriteInDoubt(progress: SyncProgress, inPlace: string[]): void {
  if (progress.agentsInDoubt.length === 0) return;
  const inDoubt = new Set(progress.agentsInDoubt);
  const landed = inPlace.filter((id) => inDoubt.has(id)).length;
  progress.agentsChanged += landed;
  progress.writes += landed > 0 ? 1 : 0;
  progress.agentsInDoubt = [];
}

/** Records what the failure means for the counts, keeps them for the next attempt, and hands them to the workflow. */
function withProgress(
  err: unknown,
  progress: SyncProgress,
  pendingWrite: AgentChange[],
  ctx: Context,
): unknown {
  if (!(err instanceof ApplicationFailure)) return err; // Cancellation and bugs pass through untouched.
  if (err.type === FailureType.RateLimited) progress.rateLimitWaits++;
  if (err.type === FailureType.Transient) {
    progress.transientRetries++;
    // No answer to a write: it may have committed. The next read settles it.
    if (pendingWrite.length > 0) progress.agentsInDoubt = pendingWrite.map((c) => c.agentId);
  }
  ctx.heartbeat(progress);
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? undefined,
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    category: err.category ?? undefined,
    cause: err,
    details: [progress],
  });
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
