import { schedulesStillRunning } from '../common/running-schedules';
import { pushKeyOf, type UnreadableResult } from '../stores/result-store';
import {
  buildReport,
  emptyScheduleResult,
  type PushReport,
  type PushState,
  type ScheduleResult,
} from '../model/report';
import type { PushContext } from './context';
import { pushHandle, stateOf } from './push-handle';
import { FailureType } from '../model/failures';

/**
 * What a report is built from: the push's state, its plan and its stored results; undefined when Temporal or this
 * store does not know the push.
 */
export async function loadPushRecord(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
  /** The plan's tenant, when it names one: a plan ID is unique per tenant. */
  tenant?: string,
  /** How the push ended, when the caller knows it (its result): not asked of the server again. */
  endedAs?: PushState,
) {
  const key = pushKeyOf({ planId, tenant });
  const [state, manifest] = await Promise.all([
    endedAs ?? stateOf(pushHandle(ctx.client, planId, tenant)),
    ctx.results.getManifest(key),
  ]);
  if (!state || !manifest) return undefined;
  // Before the results: a schedule that ends in between has stored its result by then.
  // Only a push that ended early (cancelled, terminated, failed) can leave schedules running after it.
  const inFlight =
    state === 'running' || state === 'completed'
      ? new Set<string>()
      : await schedulesStillRunning(ctx.client, planId, tenant);
  const plan = await ctx.plans.get(manifest.planRef);
  return { state, plan, inFlight, ...(await ctx.results.listResults(key)) };
}

/**
 * The report of a push, whatever its state: one line per planned schedule once it has ended (schedules still finishing
 * after a cancel as in flight).
 */
export async function pushReport(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
  tenant?: string,
  /** How the push ended, when the caller knows it (see `loadPushRecord`). */
  endedAs?: PushState,
): Promise<PushReport | undefined> {
  const record = await loadPushRecord(ctx, planId, tenant, endedAs);
  if (!record) return undefined;
  const { state, plan, results, unreadable, inFlight } = record;
  const planned = plan.schedules.map((s) => ({ scheduleId: s.scheduleId, agents: s.agents.length }));
  return buildReport(
    planId,
    state,
    planned,
    [...results, ...unreadable.map(unreadableResult(planned))],
    inFlight,
  );
}

/** A damaged result file becomes a failed line that names the file: the schedule counts as not done. */
function unreadableResult(planned: ReadonlyArray<{ scheduleId: string; agents: number }>) {
  return ({ scheduleId, file, reason }: UnreadableResult): ScheduleResult => ({
    ...emptyScheduleResult(scheduleId, planned.find((p) => p.scheduleId === scheduleId)?.agents ?? 0),
    failure: {
      type: FailureType.ResultUnreadable,
      message: `its stored result ${file} ${reason}; \`wfm-push retry\` pushes the schedule again`,
    },
  });
}
