import { isDeepStrictEqual } from 'node:util';
import { bulkPushWorkflowId } from '../model/names';
import { countAgents, formatPath, type Plan, type PlanProblem } from '../model/plan';
import { storedPlanStartSchema, type StoredPlanStartInput } from '../model/push-start';
import type { PlanStore } from '../stores/plan-store';
import { pushKeyOf, type ResultStore } from '../stores/result-store';
import { isStoreOutage } from '../stores/store-errors';
import { invalidPlan } from './inline-plan';

/**
 * Checks the start of a push whose plan is in the store, as strictly as an inline plan is checked: `bulkPush` is
 * reachable by any Temporal client, and its input names what the worker writes. The input must follow the schema
 * (the ID grammar, every option: `maxChildrenPerRun` >= 1 and so on), the workflow ID must be `bulk-push:<planId>`
 * (`bulk-push:<tenant>/<planId>` for a plan of a tenant, read from the stored plan), the plan ID must have a manifest
 * within that tenant (written when the plan was submitted and validated), and the reference must be the
 * manifest's or hold a part of that plan (a retry's subset, whole schedules each), with the counts it says. Anything
 * else fails non-retryably as `InvalidPlan`, before anything is written. A store that cannot be reached is retried.
 */
export async function checkStoredPlanStart(
  deps: { plans: PlanStore; results: ResultStore },
  input: { start: unknown; workflowId: string },
): Promise<StoredPlanStartInput & { tenant?: string }> {
  const parsed = storedPlanStartSchema.safeParse(input.start);
  if (!parsed.success)
    throw invalidPlan(
      parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path) || '(input)',
        message: issue.message,
      })),
    );
  const start = parsed.data;
  // The tenant comes from the stored plan, never from the client: it is part of the push's and the schedules'
  // workflow IDs, and the plan ID is bound within it.
  const tenant = await readTenant(deps.plans, start.planRef);
  if (typeof tenant === 'object') throw invalidPlan([{ path: 'planRef', message: tenant.problem }]);
  if (bulkPushWorkflowId(start.planId, tenant) !== input.workflowId)
    throw invalidPlan([
      {
        path: 'planId',
        message: `the workflow ID must be ${bulkPushWorkflowId(start.planId, tenant)} (it is ${JSON.stringify(input.workflowId)})`,
      },
    ]);
  const manifest = await deps.results.getManifest(pushKeyOf({ planId: start.planId, tenant }));
  if (!manifest)
    throw invalidPlan([
      {
        path: 'planId',
        message: `plan ID ${start.planId}${tenant === undefined ? '' : ` of tenant ${tenant}`} was never submitted to this store; submit the plan (wfm-push push, submitPush) or start the push with the plan inline`,
      },
    ]);
  const problems: PlanProblem[] = [];
  if (start.planRef === manifest.planRef) {
    problems.push(...countProblems(start, manifest));
  } else {
    const [bound, part] = await Promise.all([
      readPlan(deps.plans, manifest.planRef, 'the bound plan'),
      readPlan(deps.plans, start.planRef, 'planRef'),
    ]);
    if (typeof part === 'string') problems.push({ path: 'planRef', message: part });
    else if (typeof bound === 'string')
      problems.push({ path: 'planRef', message: `plan ID ${start.planId}: ${bound}` });
    else if (part.tenant !== bound.tenant)
      // A part is for the WFM the plan ID was bound to, never another tenant's.
      problems.push({
        path: 'planRef',
        message: `plan ID ${start.planId} is bound to a plan for tenant ${JSON.stringify(bound.tenant ?? null)}; planRef names ${JSON.stringify(part.tenant ?? null)}`,
      });
    else {
      problems.push(...partProblems(start.planId, bound, part));
      if (problems.length === 0)
        problems.push(
          ...countProblems(start, { schedules: part.schedules.length, agentsPlanned: countAgents(part) }),
        );
    }
  }
  if (problems.length > 0) throw invalidPlan(problems);
  return tenant === undefined ? start : { ...start, tenant };
}

/** The stored plan's tenant, or why it cannot be had (a store outage is thrown: the activity is retried). */
async function readTenant(plans: PlanStore, ref: string): Promise<string | undefined | { problem: string }> {
  try {
    return await plans.getTenant(ref);
  } catch (err) {
    if (isStoreOutage(err)) throw err;
    return {
      problem: `cannot be read from the plan store: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** The plan, or why it cannot be had (a store outage is thrown: the activity is retried). */
async function readPlan(plans: PlanStore, ref: string, what: string): Promise<Plan | string> {
  try {
    return await plans.get(ref);
  } catch (err) {
    if (isStoreOutage(err)) throw err;
    return `${what} cannot be read from the plan store: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** A part of the bound plan: the same plan ID, and only schedules of the bound plan, each exactly as it is there. */
function partProblems(planId: string, bound: Plan, part: Plan): PlanProblem[] {
  if (part.planId !== planId)
    return [
      {
        path: 'planRef',
        message: `holds plan ${JSON.stringify(part.planId)}, not ${planId}`,
      },
    ];
  const boundSchedules = new Map(bound.schedules.map((s) => [s.scheduleId, s]));
  const differing = part.schedules.filter((s) => !isDeepStrictEqual(s, boundSchedules.get(s.scheduleId)));
  if (differing.length === 0) return [];
  return [
    {
      path: 'planRef',
      message: `is neither the plan bound to plan ID ${planId} nor a part of it: ${differing.length} of its schedules differ from the bound plan (first: ${differing[0]?.scheduleId})`,
    },
  ];
}

function countProblems(
  start: StoredPlanStartInput,
  stored: { schedules: number; agentsPlanned: number },
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  if (start.schedules !== stored.schedules)
    problems.push({
      path: 'schedules',
      message: `must be ${stored.schedules}, the stored plan's schedules (it is ${start.schedules})`,
    });
  if (start.agentsPlanned !== stored.agentsPlanned)
    problems.push({
      path: 'agentsPlanned',
      message: `must be ${stored.agentsPlanned}, the stored plan's agents (it is ${start.agentsPlanned})`,
    });
  return problems;
}
