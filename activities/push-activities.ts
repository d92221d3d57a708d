import { ApplicationFailure } from '@temporalio/common';
import type { AgentMask } from '../model/agent-mask';
import { agentOutcomes } from '../model/agent-outcome';
import type { NewerEditPolicy } from '../model/push-options';
import type { ScheduleResult } from '../model/report';
import { settledResult } from '../model/schedule-line';
import type { SyncResult } from '../model/sync-progress';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';
import type { WfmPort } from '../wfm/port';
import { syncScheduleWith } from './sync-schedule';
import { classifyActivityFailure } from './failure-classes';
import { FailureType } from '../model/failures';

export interface PlanPage {
  /** Schedules from `offset`, at most `limit`. */
  schedules: Array<{ scheduleId: string; agents: number }>;
}

/** The store activities of a push (workflow task queue): a page of the plan, a schedule's line for the report. */
export function createStoreActivities({ plans, results }: { plans: PlanStore; results: ResultStore }) {
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
  };
}

/** The sync of one schedule (HTTP task queue: it calls the WFM), which also stores the schedule's line. */
export function createSyncActivity({
  wfm,
  plans,
  results,
  maxAgentsPerWrite,
}: {
  wfm: WfmPort;
  plans: PlanStore;
  results: ResultStore;
  maxAgentsPerWrite: number;
}) {
  return {
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
          FailureType.PlanMismatch,
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
      try {
        await results.putResult(input.planId, line);
      } catch (err) {
        // The writes landed and only the line is not stored: the workflow learns what landed (the counts and masks)
        // with the outage, so that the next attempt, once the store answers, reports them as this push's.
        const failure = classifyActivityFailure(err, 'syncSchedule: store the schedule\u2019s line');
        if (!(failure instanceof ApplicationFailure) || failure.type !== FailureType.StoreUnavailable)
          throw failure;
        throw ApplicationFailure.create({
          type: FailureType.StoreUnavailable,
          message: failure.message,
          cause: failure,
          details: [{ ...result, agentsToLand: [] }],
        });
      }
      return { ...result, recorded: true };
    },
  };
}
