import { createHash } from 'node:crypto';
import { z } from 'zod';
import { overlappingShiftPairs, shiftSchema } from './shift';

/** One agent's planned state: after the push the agent holds exactly these shifts (`[]` clears the agent). */
export const agentPlanSchema = z.object({
  agentId: z.string().min(1),
  shifts: z.array(shiftSchema),
});
export type AgentPlan = z.infer<typeof agentPlanSchema>;

export const schedulePlanSchema = z.object({
  scheduleId: z.string().min(1),
  agents: z.array(agentPlanSchema).min(1, 'a schedule must name at least one agent'),
});
export type SchedulePlan = z.infer<typeof schedulePlanSchema>;

const PLAN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,120}$/;

export const planSchema = z
  .object({
    planId: z
      .string()
      .regex(PLAN_ID_PATTERN, 'planId: 1-120 characters of letters, digits and . _ : -')
      .optional(),
    schedules: z.array(schedulePlanSchema).min(1, 'a plan must hold at least one schedule'),
  })
  .superRefine((plan, ctx) => {
    const seenSchedules = new Map<string, number>();
    plan.schedules.forEach((schedule, s) => {
      const first = seenSchedules.get(schedule.scheduleId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', s, 'scheduleId'],
          message: `schedule "${schedule.scheduleId}" is listed twice (first at schedules[${first}])`,
        });
      } else seenSchedules.set(schedule.scheduleId, s);

      const seenAgents = new Map<string, number>();
      schedule.agents.forEach((agent, a) => {
        const firstAgent = seenAgents.get(agent.agentId);
        if (firstAgent !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['schedules', s, 'agents', a, 'agentId'],
            message: `agent "${agent.agentId}" is listed twice in schedule "${schedule.scheduleId}" (first at agents[${firstAgent}])`,
          });
        } else seenAgents.set(agent.agentId, a);

        for (const [i, j] of overlappingShiftPairs(agent.shifts)) {
          ctx.addIssue({
            code: 'custom',
            path: ['schedules', s, 'agents', a, 'shifts', j],
            message: `overlaps shifts[${i}] of agent "${agent.agentId}"`,
          });
        }
      });
    });
  });

/** A validated plan whose id is always set. */
export type Plan = Omit<z.infer<typeof planSchema>, 'planId'> & { planId: string };

export interface PlanProblem {
  /** Where in the file, as a JSON path: `schedules[3].agents[0].shifts[1].start`. */
  path: string;
  message: string;
}

export type PlanParseResult = { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] };

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

/** Parses and validates a plan file's text. Every problem is returned, each named by its path. */
export function parsePlan(text: string): PlanParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      problems: [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const result = planSchema.safeParse(json);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({
        path: formatPath(issue.path) || '(root)',
        message: issue.message,
      })),
    };
  }
  return {
    ok: true,
    plan: { ...result.data, planId: result.data.planId ?? contentPlanId(result.data.schedules) },
  };
}

/** A plan without an id is named by its content, so submitting the same file twice names the same push. */
export function contentPlanId(schedules: Plan['schedules']): string {
  const hash = createHash('sha256').update(JSON.stringify(schedules)).digest('hex');
  return `plan-${hash.slice(0, 16)}`;
}

export function countAgents(plan: Pick<Plan, 'schedules'>): number {
  return plan.schedules.reduce((n, s) => n + s.agents.length, 0);
}
