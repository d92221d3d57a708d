import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { NoticeOptions } from '../model/push-notice';
import type { PushOptions } from '../model/push-options';
import { countAgents, type Plan } from '../model/plan';
import { BULK_PUSH_ID, bulkPushWorkflowId } from '../model/names';
import { isDone } from '../model/report';
import type { bulkPush, BulkPushInput } from '../workflows/bulk-push';
import type { PushContext } from './context';
import { pushHandle, stateOf } from './push-handle';
import { pushKeyOf } from '../stores/result-store';

/** How the push runs (defaults: `PUSH_DEFAULTS`), and where it says that it ended. */
export type SubmitOptions = PushOptions & NoticeOptions;

export interface Submitted {
  handle: WorkflowHandle<typeof bulkPush>;
  /** True when the plan was already being pushed and this call attached to that push. */
  attached: boolean;
}

export class PushRefused extends Error {}

/**
 * Stores the plan and starts its bulk push. Submitting a plan whose push is running attaches to that push instead of
 * starting a second one (the workflow ID is the plan ID); the same plan ID with other content is refused.
 */
export async function submitPush(
  ctx: PushContext,
  plan: Plan,
  options: SubmitOptions = {},
): Promise<Submitted> {
  const handle = pushHandle(ctx.client, plan.planId, plan.tenant);
  const planRef = await ctx.plans.put(plan);
  const agentsPlanned = countAgents(plan);
  // A planId names one content for good, within its tenant: its results, report and retries are of that content.
  // The manifest is created atomically, so of two submissions racing with one planId and different contents, one is
  // refused.
  const bound = await ctx.results.createManifest({
    planId: plan.planId,
    ...(plan.tenant === undefined ? {} : { tenant: plan.tenant }),
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned,
    submittedAt: new Date().toISOString(),
  });
  if (bound && bound.planRef !== planRef) {
    throw new PushRefused(
      `plan ID ${plan.planId}${plan.tenant === undefined ? '' : ` of tenant ${plan.tenant}`} was already used for other content (submitted ${bound.submittedAt}); a plan ID names one plan for good, so give this one a new planId`,
    );
  }
  const started = await start(
    ctx,
    {
      planId: plan.planId,
      planRef,
      schedules: plan.schedules.length,
      agentsPlanned,
      ...(plan.supersedes === undefined ? {} : { supersedes: plan.supersedes }),
      ...options,
    },
    undefined,
    plan.tenant,
  );
  return { handle, attached: !started };
}

/**
 * Pushes again only the schedules of a finished push that did not land (failed, or never started). Their new results
 * replace the old ones, so the plan's report becomes whole. Returns undefined when there is nothing to retry.
 */
export async function retryPush(
  ctx: PushContext,
  planId: string,
  options: SubmitOptions = {},
  /** The plan's tenant, when it names one: a plan ID is unique per tenant. */
  tenant?: string,
): Promise<Submitted | undefined> {
  const handle = pushHandle(ctx.client, planId, tenant);
  const state = await stateOf(handle);
  if (state === 'running')
    throw new PushRefused(`push ${planId} is still running; retry it once it has ended`);
  const key = pushKeyOf({ planId, tenant });
  const manifest = await ctx.results.getManifest(key);
  if (!manifest) throw new PushRefused(`no push with plan ID ${planId} in this store`);
  const plan = await ctx.plans.get(manifest.planRef);
  // An unreadable result is not a done one: its schedule is pushed again (a rebase makes that harmless).
  const { results } = await ctx.results.listResults(key);
  // A schedule a newer plan took over is that plan's now: pushing this plan there again would undo it.
  const done = new Set(
    results.filter((r) => isDone(r.outcome) || r.outcome === 'superseded').map((r) => r.scheduleId),
  );
  const todo = plan.schedules.filter((s) => !done.has(s.scheduleId));
  if (todo.length === 0) return undefined;
  // The retry goes to the same tenant's WFM as the push.
  const subset: Plan = { planId, tenant: plan.tenant, schedules: todo };
  const planRef = await ctx.plans.put(subset);
  const started = await start(
    ctx,
    { planId, planRef, schedules: todo.length, agentsPlanned: countAgents(subset), ...options },
    `Retry of push ${planId}`,
    plan.tenant,
  );
  return { handle, attached: !started };
}

/**
 * Starts the push; false when it is running already (the same plan submitted again, or two submissions racing):
 * the caller follows that push. One call to the server, no look first: a push starts sooner.
 */
async function start(
  ctx: PushContext,
  input: BulkPushInput,
  summary = `Bulk push ${input.planId}`,
  /** The plan's tenant: the fairness key of the push, inherited by its schedules' workflows and activities. */
  tenant?: string,
): Promise<boolean> {
  try {
    await ctx.client.workflow.start<typeof bulkPush>('bulkPush', {
      workflowId: bulkPushWorkflowId(input.planId, tenant),
      taskQueue: ctx.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [{ key: BULK_PUSH_ID, value: input.planId }],
      staticSummary: `${summary}: ${input.agentsPlanned} agents in ${input.schedules} schedules`,
      // Where the server balances task queues by fairness key, each tenant gets its share of dispatch: one tenant's big
      // backlog cannot starve another's small push. Elsewhere the key is carried and ignored.
      ...(tenant === undefined ? {} : { priority: { fairnessKey: tenant } }),
    });
    return true;
  } catch (err) {
    // The default ID reuse policy allows a new run after any ended one, so this says "running".
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
