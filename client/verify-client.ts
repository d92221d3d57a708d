import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { verifyScheduleId, verifyWorkflowId, type DriftReport, type VerifyInput } from '../model/drift';
import { BULK_PUSH_ID } from '../model/names';
import type { verifyPush } from '../workflows/verify-push';
import type { Shift } from '../model/shift';
import type { PushContext } from './context';
import type { PlannedShifts } from './drift-format';
import { pushHandle, stateOf } from './push-handle';
import { PushRefused } from './submit-push';
import { pushKeyOf } from '../stores/result-store';

export type VerifyOptions = Omit<VerifyInput, 'planId'>;

/** Refuses a check of a push this data folder does not know, or one still running (it has not landed yet). */
async function requireEndedPush(ctx: PushContext, planId: string, tenant?: string): Promise<void> {
  if (!(await ctx.results.getManifest(pushKeyOf({ planId, tenant }))))
    throw new PushRefused(
      `no push with plan ID ${planId}${tenant === undefined ? '' : ` of tenant ${tenant}`} in this data folder`,
    );
  if ((await stateOf(pushHandle(ctx.client, planId, tenant))) === 'running')
    throw new PushRefused(`push ${planId} is still running; check it for drift once it has ended`);
}

/**
 * Starts a drift check of a finished push on the workers (their WFM adapters and rate control do the reading) and
 * returns its handle; `result()` is the drift report.
 */
export async function startVerify(
  ctx: PushContext,
  planId: string,
  options: VerifyOptions = {},
): Promise<WorkflowHandle<typeof verifyPush>> {
  await requireEndedPush(ctx, planId, options.tenant);
  return ctx.client.workflow.start<typeof verifyPush>('verifyPush', {
    workflowId: verifyWorkflowId(planId, Date.now(), options.tenant),
    taskQueue: ctx.taskQueue,
    args: [{ planId, ...options }],
    typedSearchAttributes: [{ key: BULK_PUSH_ID, value: planId }],
    staticSummary: `Drift check of push ${planId}${options.repair ? ', with repair' : ''}`,
  });
}

/** Checks a finished push for drift (and repairs it when asked); resolves with the drift report. */
export async function verifyPlan(
  ctx: PushContext,
  planId: string,
  options: VerifyOptions = {},
): Promise<DriftReport> {
  return (await startVerify(ctx, planId, options)).result();
}

export interface VerifyScheduleOptions extends VerifyOptions {
  /** Time between two checks, in ms (at least 1 s). */
  everyMs: number;
  /** No check starts after this time. */
  until: Date;
}

/**
 * Registers a Temporal Schedule that checks the push for drift every `everyMs` until `until` (one per plan: its ID is
 * `verify:<planId>`). It shows in the UI's Schedules page; each run is a `verifyPush` workflow.
 */
export async function scheduleVerify(
  ctx: PushContext,
  planId: string,
  { everyMs, until, ...options }: VerifyScheduleOptions,
): Promise<{ scheduleId: string }> {
  await requireEndedPush(ctx, planId, options.tenant);
  const scheduleId = verifyScheduleId(planId, options.tenant);
  try {
    await ctx.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: everyMs }], endAt: until },
      action: {
        type: 'startWorkflow',
        workflowType: 'verifyPush',
        taskQueue: ctx.taskQueue,
        // The server appends each run's time to this ID.
        workflowId: scheduleId,
        args: [{ planId, ...options } satisfies VerifyInput],
        typedSearchAttributes: [{ key: BULK_PUSH_ID, value: planId }],
        staticSummary: `Scheduled drift check of push ${planId}${options.repair ? ', with repair' : ''}`,
      },
      // A check still running when the next is due (a slow WFM) is not doubled: the next one waits for the one after.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: { note: `wfm-push verify ${planId}: drift check until ${until.toISOString()}` },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning)
      throw new PushRefused(
        `push ${planId} already has a drift-check schedule (${scheduleId}); delete it first: wfm-push verify ${planId}${options.tenant === undefined ? '' : ` --tenant ${options.tenant}`} --stop`,
      );
    throw err;
  }
  return { scheduleId };
}

/** Deletes the plan's drift-check schedule; false when it has none. Runs already started finish. */
export async function deleteVerifySchedule(
  client: Client,
  planId: string,
  tenant?: string,
): Promise<boolean> {
  try {
    await client.schedule.getHandle(verifyScheduleId(planId, tenant)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** The push's planned shifts by schedule and agent, for the drift report's "vs plan" column (undefined: no plan here). */
export async function plannedShiftsOf(
  ctx: Pick<PushContext, 'plans' | 'results'>,
  planId: string,
  tenant?: string,
): Promise<PlannedShifts | undefined> {
  const manifest = await ctx.results.getManifest(pushKeyOf({ planId, tenant }));
  if (!manifest) return undefined;
  const plan = await ctx.plans.get(manifest.planRef);
  const byKey = new Map<string, Shift[]>();
  for (const s of plan.schedules)
    for (const a of s.agents) byKey.set(`${s.scheduleId}\u0000${a.agentId}`, a.shifts);
  return (scheduleId, agentId) => byKey.get(`${scheduleId}\u0000${agentId}`);
}
