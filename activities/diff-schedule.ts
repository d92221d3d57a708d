import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Plan, SchedulePlan } from '../model/plan';
import type { DiffCounts, ScheduleDiff } from '../model/plan-diff';
import { DIFF_READ_ATTEMPTS, emptyDiffCounts } from '../model/plan-diff';
import type { NewerEditPolicy } from '../model/push-options';
import type { PlanRef, PlanStore } from '../stores/plan-store';
import type { DiffStore } from '../stores/diff-store';
import { scheduleTargetOf, type WfmPort } from '../wfm/port';
import { diffSchedule } from '../wfm/plan-diff';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { FailureType } from '../model/failures';

export interface DiffActivityDeps {
  wfm: WfmPort;
  /** The port of a plan's tenant (see `TenantWfms`). Default: `wfm` for every plan. */
  wfmFor?: (tenant: string | undefined) => WfmPort;
  plans: PlanStore;
  diffs: DiffStore;
}

/** The dry run's activity: reads only, through the same port, adapter and rate control as a push. */
export function createDiffActivities({ wfm, wfmFor = () => wfm, plans, diffs }: DiffActivityDeps) {
  // One index per plan object, so 10,000 reads do not each scan the plan.
  const indexes = new WeakMap<Plan, Map<string, SchedulePlan>>();
  const scheduleOf = (plan: Plan, scheduleId: string) => {
    let index = indexes.get(plan);
    if (!index) indexes.set(plan, (index = new Map(plan.schedules.map((s) => [s.scheduleId, s]))));
    return index.get(scheduleId);
  };
  return {
    /**
     * Reads one planned schedule and stores what a push would change in it. Returns only the counts (the workflow
     * adds them up). A read the WFM refuses (404, 403...) or that still fails on the last attempt is stored as the
     * schedule's diff with the server's reason, so the report names it and the diff of the others completes.
     */
    async diffPlannedSchedule(input: {
      diffId: string;
      planRef: PlanRef;
      scheduleId: string;
      onNewerEdit: NewerEditPolicy;
    }): Promise<DiffCounts> {
      const ctx = Context.current();
      const plan = await plans.get(input.planRef);
      const planned = scheduleOf(plan, input.scheduleId);
      if (!planned)
        throw ApplicationFailure.nonRetryable(
          `schedule ${input.scheduleId} is not in plan ${input.planRef}`,
          FailureType.PlanMismatch,
        );
      let diff: ScheduleDiff;
      // A read may wait out a rate limit for long: the heartbeat lets Temporal move it off a dead worker meanwhile.
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const snapshot = await wfmFor(plan.tenant).readSchedule(scheduleTargetOf(planned), {
          signal: ctx.cancellationSignal,
        });
        diff = diffSchedule(snapshot, planned.agents, input.onNewerEdit);
      } catch (err) {
        const lastAttempt = ctx.info.attempt >= DIFF_READ_ATTEMPTS;
        if (!(err instanceof ApplicationFailure) || (!err.nonRetryable && !lastAttempt)) throw err;
        diff = {
          scheduleId: planned.scheduleId,
          version: null,
          counts: { ...emptyDiffCounts(), agents: planned.agents.length },
          agents: [],
          error: { type: err.type ?? 'Error', message: err.message },
        };
      } finally {
        clearInterval(beat);
      }
      await diffs.putScheduleDiff(input.diffId, diff);
      return diff.counts;
    },
  };
}

export type DiffActivities = ReturnType<typeof createDiffActivities>;
