import { ApplicationFailure } from '@temporalio/common';
import type { AgentMask } from '../model/agent-mask';
import { agentOutcomes } from '../model/agent-outcome';
import type { NewerEditPolicy } from '../model/push-options';
import type { ScheduleResult } from '../model/report';
import { settledResult } from '../model/schedule-line';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import { pushKeyOf, type ResultStore } from '../stores/result-store';
import type { WfmPort } from '../wfm/port';
import { FailureType } from '../model/failures';
import type { SyncProgress, SyncResult } from '../model/sync-progress';
import { classifyActivityFailure } from './failure-classes';
import type { PushMetrics } from './push-metrics';
import { syncScheduleWith, type Synced } from './sync-schedule';

export interface PlanPage {
  /** Schedules from `offset`, at most `limit`. */
  schedules: Array<{ scheduleId: string; agents: number }>;
}

/** One page of a stored plan, not the whole plan: a PostgreSQL store reads it with one indexed query. */
export async function planPage(
  plans: PlanStore,
  planRef: PlanRef,
  offset: number,
  limit: number,
): Promise<PlanPage> {
  const page = await plans.getSchedules(planRef, offset, limit);
  return { schedules: page.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length })) };
}

/** The store activities of a push (workflow task queue): a page of the plan, a schedule's line for the report. */
export function createStoreActivities({
  plans,
  results,
  metrics,
}: {
  plans: PlanStore;
  results: ResultStore;
  metrics?: PushMetrics;
}) {
  return {
    /**
     * Which of the newer plans that took this push over names the schedule (the first), if any: that schedule is left
     * to it, never written by this push.
     */
    async supersedingPlanOf(input: {
      scheduleId: string;
      plans: Array<{ planId: string; planRef: PlanRef }>;
    }): Promise<string | undefined> {
      for (const plan of input.plans)
        if (await plans.getSchedule(plan.planRef, input.scheduleId)) return plan.planId;
      return undefined;
    },

    listPlanSchedules(input: { planRef: PlanRef; offset: number; limit: number }): Promise<PlanPage> {
      return planPage(plans, input.planRef, input.offset, input.limit);
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
      /** The schedule was taken over by this newer plan: the agents not written are superseded, not failed. */
      supersededBy?: string;
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
          supersededBy: input.supersededBy ?? input.result.supersededBy,
          failure: input.result.failure ?? { type: 'Error', message: 'the schedule push did not complete' },
        });
      const line = agents ? { ...input.result, agents } : input.result;
      // Stored under the plan's tenant: two tenants' pushes of one plan ID keep their results apart.
      const tenant = input.planRef ? await plans.getTenant(input.planRef) : undefined;
      await results.putResult(pushKeyOf({ planId: input.planId, tenant }), line);
      metrics?.scheduleRecorded(line);
    },
  };
}

/** The sync of one schedule (HTTP task queue: it calls the WFM), which also stores the schedule's line. */
export function createSyncActivity({
  wfm,
  wfmFor = () => wfm,
  plans,
  results,
  maxAgentsPerWrite,
  metrics,
}: {
  wfm: WfmPort;
  /** The port of a plan's tenant (see `TenantWfms`). Default: `wfm` for every plan. */
  wfmFor?: (tenant: string | undefined) => WfmPort;
  plans: PlanStore;
  results: ResultStore;
  maxAgentsPerWrite: number;
  /** Where syncs, conflicts and recorded outcomes are counted. Default none. */
  metrics?: PushMetrics;
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
      /**
       * Answer a version conflict with a result (`conflict` set) instead of failing: contention is routine, and a
       * failed attempt shows red in the UI. Workflows from before it leave it unset and get the failure.
       */
      conflictAsResult?: boolean;
    }): Promise<SyncResult> {
      const planned = await plans.getSchedule(input.planRef, input.scheduleId);
      if (!planned) {
        // A bug or a tampered store, not a passing fault: no retry can fix it.
        throw ApplicationFailure.nonRetryable(
          `schedule ${input.scheduleId} is not in plan ${input.planRef}`,
          FailureType.PlanMismatch,
        );
      }
      let synced: Synced;
      // The plan's tenant picks the WFM: its own adapter, tokens and rate control.
      const tenant = await plans.getTenant(input.planRef);
      try {
        synced = await syncScheduleWith(wfmFor(tenant), planned, {
          tenant,
          maxAgentsPerWrite,
          onNewerEdit: input.onNewerEdit,
          appliedBefore: input.appliedBefore,
          metrics,
        });
      } catch (err) {
        const conflict = input.conflictAsResult ? conflictResult(err) : undefined;
        if (conflict) return conflict;
        throw err;
      }
      const { result, newerEdits, collisions } = synced;
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
        await results.putResult(pushKeyOf({ planId: input.planId, tenant }), line);
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
      metrics?.scheduleRecorded(line);
      return { ...result, recorded: true };
    },
  };
}

/** A version conflict as the sync's result: its progress (counts and masks, from the failure's details) and why. */
function conflictResult(err: unknown): SyncResult | undefined {
  if (!(err instanceof ApplicationFailure) || err.type !== FailureType.VersionConflict) return undefined;
  const progress = err.details?.[0] as SyncProgress | undefined;
  if (!progress) return undefined;
  return { ...progress, versionNow: '', conflict: { message: err.message } };
}
