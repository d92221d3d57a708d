import { Context } from '@temporalio/activity';
import type { Plan, SchedulePlan } from '../model/plan';
import { rebase } from './rebase';
import type { PlanRef, PlanStore } from './plan-store';
import type { WfmPort } from './wfm-port';

export interface ActivityDeps {
  wfm: WfmPort;
  plans: PlanStore;
}

export interface PlanPage {
  /** Schedules from `offset`, at most `limit`. */
  schedules: Array<{ scheduleId: string; agents: number }>;
  total: number;
}

/** What one read-rebase-write cycle did. No document crosses into workflow history, only these counts. */
export interface SyncResult {
  versionRead: string;
  /** The version that holds the planned state: the one written, or the one read when nothing had to change. */
  versionNow: string;
  agentsChanged: number;
  agentsAlreadyInPlace: number;
  wrote: boolean;
  /** Activity attempts before this one (rate limits, transient failures). */
  retries: number;
}

export function createActivities({ wfm, plans }: ActivityDeps) {
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

    /**
     * Reads the schedule as it is now, re-applies the plan on top (rebase, never replay) and writes it conditionally.
     * When the schedule already holds the plan, nothing is written: after a lost acknowledgement, the retry lands here.
     * A version conflict is thrown to the workflow, which counts it and calls this again for a fresh read.
     */
    async syncSchedule(input: { planRef: PlanRef; scheduleId: string }): Promise<SyncResult> {
      const ctx = Context.current();
      const planned = schedulesOf(await plans.get(input.planRef)).get(input.scheduleId);
      if (!planned) throw new Error(`schedule ${input.scheduleId} is not in plan ${input.planRef}`);
      const current = await wfm.readSchedule(input.scheduleId, ctx.cancellationSignal);
      const { changes, inPlace } = rebase(current.agents, planned.agents);
      const retries = ctx.info.attempt - 1;
      if (changes.length === 0) {
        return {
          versionRead: current.version,
          versionNow: current.version,
          agentsChanged: 0,
          agentsAlreadyInPlace: inPlace.length,
          wrote: false,
          retries,
        };
      }
      const written = await wfm.writeAgents(current, changes, ctx.cancellationSignal);
      return {
        versionRead: current.version,
        versionNow: written.version,
        agentsChanged: changes.length,
        agentsAlreadyInPlace: inPlace.length,
        wrote: true,
        retries,
      };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

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
