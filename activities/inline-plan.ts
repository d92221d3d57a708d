import { ApplicationFailure } from '@temporalio/common';
import { isValidId } from '../model/ids';
import { bulkPushWorkflowId, planOfBulkPushWorkflowId } from '../model/names';
import { countAgents, formatPath, type ApiStyle, type PlanProblem, type planProblems } from '../model/plan';
import { planProblemsForTenant } from '../model/tenants';
import {
  INLINE_PLAN_MAX_BYTES,
  PushStartFailure,
  pushStartOptionsSchema,
  type InlinePlanStart,
} from '../model/push-start';
import type { PlanStore } from '../stores/plan-store';
import type { ResultStore } from '../stores/result-store';

/** What the bulk push carries once its inline plan is stored: the reference, never the plan. */
export interface StoredPlanStart {
  planId: string;
  planRef: string;
  schedules: number;
  agentsPlanned: number;
  options: Omit<InlinePlanStart, 'plan'>;
  /** The plan's `supersedes`, if it names one. */
  supersedes?: string;
  /** The plan's tenant, when it names one. */
  tenant?: string;
}

/** Problems listed in the failure's details; the message names the first few. */
const MAX_PROBLEMS_LISTED = 1000;
const PROBLEMS_IN_MESSAGE = 20;

/**
 * Validates a push started with its plan inline, by the same schema and with the same path-named problems as a plan
 * file, then stores the plan (claim check) and binds its planId (manifest) as `wfm-push push` does. An invalid input
 * fails non-retryably with every problem in the failure's details, before anything is written.
 */
export async function storeInlinePlan(
  deps: {
    plans: PlanStore;
    results: ResultStore;
    apiStyle: ApiStyle;
    /** Each tenant's API style (WFM_TENANTS_FILE); undefined: no tenants file, a plan naming a tenant is refused. */
    tenantStyles?: ReadonlyMap<string, ApiStyle>;
  },
  input: { start: unknown; workflowId: string },
): Promise<StoredPlanStart> {
  const start: Record<string, unknown> =
    input.start && typeof input.start === 'object' && !Array.isArray(input.start)
      ? (input.start as Record<string, unknown>)
      : {};
  const { plan: json, ...rest } = start;
  const problems: PlanProblem[] = [];
  if (start !== input.start)
    problems.push({ path: '(input)', message: 'must be an object { plan, ...options }' });

  const options = pushStartOptionsSchema.safeParse(rest);
  if (!options.success)
    problems.push(
      ...options.error.issues.map((issue) => ({
        path: formatPath(issue.path) || '(input)',
        message: issue.message,
      })),
    );

  const bytes = json === undefined ? 0 : Buffer.byteLength(JSON.stringify(json));
  let parsed: ReturnType<typeof planProblems>['parsed'];
  if (json === undefined) problems.push({ path: 'plan', message: 'required: the plan, inline' });
  else if (bytes > INLINE_PLAN_MAX_BYTES)
    problems.push({
      path: 'plan',
      message: `${bytes} bytes of JSON, more than the ${INLINE_PLAN_MAX_BYTES} an inline plan may have; push it with \`wfm-push push\` (the plan store has no such limit)`,
    });
  else {
    const checked = planProblemsForTenant(json, deps.apiStyle, deps.tenantStyles);
    problems.push(...checked.problems);
    parsed = checked.parsed;
  }

  // The push is known by its planId (status, report, retry, verify find `bulk-push:<planId>`), and Temporal runs one
  // workflow per ID: so the workflow ID must name the plan, and a plan without a planId takes it from there. A
  // tenant's plan is `bulk-push:<tenant>/<planId>`, so plan IDs are unique per tenant.
  const fromWorkflowId = planOfBulkPushWorkflowId(input.workflowId)?.planId;
  const planId = parsed?.planId ?? fromWorkflowId;
  if (
    parsed &&
    (!planId || !isValidId(planId) || bulkPushWorkflowId(planId, parsed.tenant) !== input.workflowId)
  )
    problems.push({
      path: 'planId',
      message: `the workflow ID must be ${bulkPushWorkflowId(parsed.planId ?? '<planId>', parsed.tenant)} (it is ${JSON.stringify(input.workflowId)}), so that the push is found by its plan ID`,
    });

  if (problems.length > 0 || !parsed || !planId || !options.success) throw invalidPlan(problems);

  const plan = { ...parsed, planId };
  const planRef = await deps.plans.put(plan);
  const agentsPlanned = countAgents(plan);
  const bound = await deps.results.createManifest({
    planId,
    ...(plan.tenant === undefined ? {} : { tenant: plan.tenant }),
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned,
    submittedAt: new Date().toISOString(),
  });
  if (bound && bound.planRef !== planRef)
    throw ApplicationFailure.create({
      type: PushStartFailure.PlanIdTaken,
      nonRetryable: true,
      message: `plan ID ${planId}${plan.tenant === undefined ? '' : ` of tenant ${plan.tenant}`} was already used for other content (submitted ${bound.submittedAt}); a plan ID names one plan for good, so give this one a new planId`,
    });
  return {
    planId,
    planRef,
    schedules: plan.schedules.length,
    agentsPlanned,
    options: options.data,
    ...(plan.supersedes === undefined ? {} : { supersedes: plan.supersedes }),
    ...(plan.tenant === undefined ? {} : { tenant: plan.tenant }),
  };
}

/** The failure of an invalid start: every problem in its details, the first few in its message. */
export function invalidPlan(problems: PlanProblem[]): ApplicationFailure {
  const listed = problems
    .slice(0, PROBLEMS_IN_MESSAGE)
    .map((p) => `  ${p.path}: ${p.message}`)
    .join('\n');
  const more =
    problems.length > PROBLEMS_IN_MESSAGE
      ? `\n  ... ${problems.length - PROBLEMS_IN_MESSAGE} more in details`
      : '';
  return ApplicationFailure.create({
    type: PushStartFailure.InvalidPlan,
    nonRetryable: true,
    message: `the plan is invalid (${problems.length} problem(s)); nothing was started:\n${listed}${more}`,
    details: [{ problems: problems.slice(0, MAX_PROBLEMS_LISTED), problemCount: problems.length }],
  });
}
