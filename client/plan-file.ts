import { createHash } from 'node:crypto';
import type { PlanLimits } from '../common/settings';
import { type ApiStyle, type Plan, type PlanProblem } from '../model/plan';
import { planProblemsForTenant } from '../model/tenants';

export type PlanParseResult = { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] };

/** Parses and validates a plan file's text. Every problem is returned, each named by its path. */
export function parsePlan(
  text: string,
  limits?: PlanLimits,
  apiStyle: ApiStyle = 'rest',
  /** Each tenant's API style (WFM_TENANTS_FILE): a plan naming a tenant is validated for its WFM, or refused. */
  tenants?: ReadonlyMap<string, ApiStyle>,
): PlanParseResult {
  if (limits && text.length > limits.maxPlanBytes)
    return {
      ok: false,
      problems: [
        { path: '(file)', message: `larger than ${limits.maxPlanBytes} bytes (WFM_PUSH_MAX_PLAN_BYTES)` },
      ],
    };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      problems: [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const count = Array.isArray((json as { schedules?: unknown } | null)?.schedules)
    ? (json as { schedules: unknown[] }).schedules.length
    : 0;
  if (limits && count > limits.maxSchedules)
    return {
      ok: false,
      problems: [
        {
          path: 'schedules',
          message: `${count} schedules, more than the ${limits.maxSchedules} allowed (WFM_PUSH_MAX_SCHEDULES)`,
        },
      ],
    };
  const { problems, parsed } = planProblemsForTenant(json, apiStyle, tenants);
  if (!parsed) return { ok: false, problems };
  return {
    ok: true,
    plan: { ...parsed, planId: parsed.planId ?? contentPlanId(parsed.schedules, parsed.tenant) },
  };
}

/**
 * A plan without an id is named by its content, so submitting the same file twice names the same push. The tenant is
 * part of it: two organisations pushing the same schedules are two pushes (a plan without a tenant keeps its old ID).
 */
export function contentPlanId(schedules: Plan['schedules'], tenant?: string): string {
  const content = tenant === undefined ? schedules : { tenant, schedules };
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  return `plan-${hash.slice(0, 16)}`;
}
