import type { Client, WorkflowHandle } from '@temporalio/client';
import { sleep } from '../common/sleep';
import { BULK_PUSH_ID, planDiffWorkflowId } from '../model/names';
import type { Plan } from '../model/plan';
import { buildDiffReport, type DiffReport } from '../model/plan-diff';
import { PUSH_DEFAULTS, type NewerEditPolicy } from '../model/push-options';
import { diffProgressQuery, type planDiff, type PlanDiffProgress } from '../workflows/plan-diff';
import type { PushContext } from './context';
import { stateOf } from './push-handle';
import { PushRefused } from './submit-push';
import { pushKeyOf } from '../stores/result-store';

/**
 * What a dry run needs of a push context: the client, the plan store, the diff store and the task queue; with the
 * result store, a plan ID already bound to other content is refused, as `push` refuses it.
 */
export type DiffContext = Pick<PushContext, 'client' | 'plans' | 'diffs' | 'taskQueue'> &
  Partial<Pick<PushContext, 'results'>>;

export interface DiffOptions {
  /** Default PUSH_DEFAULTS.onNewerEdit: the diff shows what a push with the same option would do. */
  onNewerEdit?: NewerEditPolicy;
  /** Reads in flight at once. Default 50. */
  maxInFlight?: number;
}

export interface StartedDiff {
  diffId: string;
  handle: WorkflowHandle<typeof planDiff>;
}

/**
 * Stores the plan and starts its dry run: a `planDiff` workflow that reads every planned schedule through the
 * workers (paced like a push) and writes nothing. Each call is a new diff (the live schedules change).
 */
export async function startDiff(
  ctx: DiffContext,
  plan: Plan,
  options: DiffOptions = {},
): Promise<StartedDiff> {
  const planRef = await ctx.plans.put(plan);
  // A diff answers for the push of this plan; a plan ID bound to other content would be refused by that push.
  // Within the plan's tenant: another tenant's plan with this ID is another push.
  const bound = await ctx.results?.getManifest(pushKeyOf(plan));
  if (bound && bound.planRef !== planRef)
    throw new PushRefused(
      `plan ID ${plan.planId}${plan.tenant === undefined ? '' : ` of tenant ${plan.tenant}`} was already used for other content (submitted ${bound.submittedAt}); a push of this file would be refused, so give it a new planId`,
    );
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const diffId = `diff-${stamp}-${planRef.slice(0, 8)}`;
  const onNewerEdit = options.onNewerEdit ?? PUSH_DEFAULTS.onNewerEdit;
  const handle = await ctx.client.workflow.start<typeof planDiff>('planDiff', {
    workflowId: planDiffWorkflowId(plan.planId, diffId, plan.tenant),
    taskQueue: ctx.taskQueue,
    args: [
      {
        diffId,
        planId: plan.planId,
        planRef,
        schedules: plan.schedules.length,
        onNewerEdit,
        maxInFlight: options.maxInFlight,
      },
    ],
    // The report says which policy the diff answered for, also when it is printed by a later `diff --diff-id`.
    memo: { onNewerEdit },
    // Found in the UI beside the pushes of the same plan.
    typedSearchAttributes: [{ key: BULK_PUSH_ID, value: plan.planId }],
    staticSummary: `Dry run of plan ${plan.planId} (${plan.schedules.length} schedules, --on-newer-edit ${onNewerEdit}): reads only`,
  });
  return { diffId, handle };
}

/** The dry run `diffId` of a plan (`tenant`: the plan's, when it names one). */
export function diffHandle(
  client: Client,
  planId: string,
  diffId: string,
  tenant?: string,
): WorkflowHandle<typeof planDiff> {
  return client.workflow.getHandle<typeof planDiff>(planDiffWorkflowId(planId, diffId, tenant));
}

/** Progress of a running diff; undefined when no worker answers within a few seconds. */
export async function diffProgress(
  client: Client,
  planId: string,
  diffId: string,
  tenant?: string,
): Promise<PlanDiffProgress | undefined> {
  try {
    return await client.withDeadline(Date.now() + 3_000, () =>
      diffHandle(client, planId, diffId, tenant).query(diffProgressQuery),
    );
  } catch {
    // No worker answered in time (or it went away mid-query): the caller says so after a while.
    return undefined;
  }
}

/** Follows the diff until its workflow ends, then builds its report from the stored schedule diffs. */
export async function waitForDiffReport(
  ctx: DiffContext,
  plan: Plan,
  diffId: string,
  onProgress: (p: PlanDiffProgress | undefined) => void = () => {},
  intervalMs = 1000,
): Promise<DiffReport> {
  const handle = diffHandle(ctx.client, plan.planId, diffId, plan.tenant);
  let ended = false;
  const result = handle.result().then(
    () => undefined,
    () => undefined,
  );
  void result.finally(() => (ended = true));
  while (!ended) {
    onProgress(await diffProgress(ctx.client, plan.planId, diffId, plan.tenant));
    await Promise.race([result, sleep(intervalMs)]);
  }
  return diffReport(ctx, plan, diffId);
}

/** The diff's report as it stands (running: the schedules read so far). */
export async function diffReport(ctx: DiffContext, plan: Plan, diffId: string): Promise<DiffReport> {
  const handle = diffHandle(ctx.client, plan.planId, diffId, plan.tenant);
  const [state, diffs, memo] = await Promise.all([
    stateOf(handle),
    ctx.diffs.listScheduleDiffs(diffId),
    handle.describe().then(
      (d) => d.memo,
      () => undefined,
    ),
  ]);
  if (!state) throw new Error(`no diff ${diffId} of plan ${plan.planId}`);
  const onNewerEdit = typeof memo?.onNewerEdit === 'string' ? memo.onNewerEdit : PUSH_DEFAULTS.onNewerEdit;
  return buildDiffReport(
    { diffId, planId: plan.planId, state, onNewerEdit },
    plan.schedules.map((s) => s.scheduleId),
    diffs,
  );
}
