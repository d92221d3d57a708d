import { z } from 'zod';
import { idCollisionKey, idSchema } from './ids';
import { activityProblems, overlappingShiftPairs, shiftSchema, type Shift } from './shift';

/**
 * What the planning engine saw of an agent when it computed the change. The push compares it with the live agent: a
 * difference means someone edited the agent since, and `--on-newer-edit` decides (see model/push-options.ts).
 */
export const basedOnSchema = z.strictObject({
  /** The agent's shifts as the engine read them (`[]`: none, or the schedule lacked the agent). */
  shifts: z.array(shiftSchema.strict()),
  /** Genesys Cloud: the agent schedule's `metadata.version` the engine read (the REST contract has none per agent). */
  version: z.number().int().min(0).optional(),
});
export type BasedOn = z.infer<typeof basedOnSchema>;

/** One agent's planned state: after the push the agent holds exactly these shifts (`[]` clears the agent). */
// Plans are strict: an unknown key is most likely a typo (`lenghtMinutes`) and is refused, named by its path.
export const agentPlanSchema = z.strictObject({
  agentId: idSchema,
  shifts: z.array(shiftSchema.strict()),
  /** Optional: without it the push overwrites whatever the agent holds (the behaviour before basedOn existed). */
  basedOn: basedOnSchema.optional(),
});
export type AgentPlan = z.infer<typeof agentPlanSchema>;

export const schedulePlanSchema = z.strictObject({
  scheduleId: idSchema,
  /** Genesys Cloud: the business unit that owns the schedule (required when WFM_API_STYLE=genesys). */
  businessUnitId: idSchema.optional(),
  /** Genesys Cloud: the schedule's week, `YYYY-MM-DD` of its first day (required when WFM_API_STYLE=genesys). */
  weekId: z.iso
    .date({ message: 'must be a date, YYYY-MM-DD (the first day of the schedule week)' })
    .optional(),
  /**
   * Genesys Cloud: publish the schedule with this push if it is not published yet (a published schedule cannot be
   * unpublished). Changes go in updates of at most 1,000 agents, so Genesys notifies every changed agent.
   */
  publish: z.boolean().optional(),
  agents: z.array(agentPlanSchema).min(1, 'a schedule must name at least one agent'),
});
export type SchedulePlan = z.infer<typeof schedulePlanSchema>;

/**
 * A tenant's ID (a key of WFM_TENANTS_FILE): it goes into workflow IDs, search attributes, log lines and metric labels,
 * so it is short and plain.
 */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const tenantIdSchema = z
  .string()
  .regex(
    TENANT_ID_PATTERN,
    'must be 1-63 lower-case letters, digits, _ and -, starting with a letter or digit',
  );

export const planSchema = z.strictObject({
  planId: idSchema.optional(),
  /**
   * The plan ID of an earlier plan for the same schedules that this one replaces: its push stops at its next safe point
   * on every schedule this plan names and reports it superseded (as `--supersede` does, limited to that plan).
   */
  supersedes: idSchema.optional(),
  /** The tenant whose WFM the plan is for (WFM_TENANTS_FILE); without it, the WFM of the worker's own settings. */
  tenant: tenantIdSchema.optional(),
  schedules: z.array(schedulePlanSchema).min(1, 'a plan must hold at least one schedule'),
});

/** A validated plan whose id is always set. */
export type Plan = Omit<z.infer<typeof planSchema>, 'planId'> & { planId: string };

export interface PlanProblem {
  /** Where in the file, as a JSON path: `schedules[3].agents[0].shifts[1].start`. */
  path: string;
  message: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

export function countAgents(plan: Pick<Plan, 'schedules'>): number {
  return plan.schedules.reduce((n, s) => n + s.agents.length, 0);
}

/**
 * Every problem of a plan's JSON, each named by its path: shape problems (zod) and problems across records, reported
 * together so one run of the validator shows them all.
 */
/** Which WFM API the plan is for: Genesys Cloud addresses a schedule by business unit and week too. */
export type ApiStyle = 'rest' | 'genesys';

export function planProblems(
  json: unknown,
  apiStyle: ApiStyle = 'rest',
): { problems: PlanProblem[]; parsed?: z.infer<typeof planSchema> } {
  const result = planSchema.safeParse(json);
  const problems: PlanProblem[] = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => ({
          path: formatPath(issue.path) || '(root)',
          message: issue.message,
        }))),
    ...crossRecordProblems(json),
    ...(apiStyle === 'genesys' ? genesysAddressProblems(json) : restVersionProblems(json)),
  ];
  return result.success && problems.length === 0 ? { problems, parsed: result.data } : { problems };
}

/**
 * Checks across records (a schedule or agent listed twice, overlapping shifts), run on the raw JSON so that they are
 * reported together with shape problems elsewhere in the file, not only once the shapes are fixed.
 */
function crossRecordProblems(json: unknown): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const supersedes = stringAt(json, 'supersedes');
  if (supersedes !== undefined && supersedes === stringAt(json, 'planId'))
    problems.push({
      path: 'supersedes',
      message: 'a plan cannot supersede itself (it names its own planId)',
    });
  const seenSchedules = new Map<string, number>();
  arrayAt(json, 'schedules').forEach((schedule, s) => {
    const scheduleId = stringAt(schedule, 'scheduleId');
    const first = scheduleId === undefined ? undefined : seenSchedules.get(idCollisionKey(scheduleId));
    if (scheduleId !== undefined && first !== undefined) {
      problems.push({
        path: `schedules[${s}].scheduleId`,
        message: `schedule "${scheduleId}" is listed twice (first at schedules[${first}])`,
      });
    } else if (scheduleId !== undefined) seenSchedules.set(idCollisionKey(scheduleId), s);

    const seenAgents = new Map<string, number>();
    arrayAt(schedule, 'agents').forEach((agent, a) => {
      const agentId = stringAt(agent, 'agentId');
      const firstAgent = agentId === undefined ? undefined : seenAgents.get(idCollisionKey(agentId));
      if (agentId !== undefined && firstAgent !== undefined) {
        problems.push({
          path: `schedules[${s}].agents[${a}].agentId`,
          message: `agent "${agentId}" is listed twice in schedule "${scheduleId}" (first at agents[${firstAgent}])`,
        });
      } else if (agentId !== undefined) seenAgents.set(idCollisionKey(agentId), a);

      // Only shifts that are valid on their own can be compared; the others already have their problem.
      const shifts = arrayAt(agent, 'shifts').flatMap((raw, i) => {
        const shift = shiftSchema.safeParse(raw);
        return shift.success ? [{ i, shift: shift.data }] : [];
      });
      for (const { i, shift } of shifts)
        for (const problem of activityProblems(shift as Shift))
          problems.push({
            path: `schedules[${s}].agents[${a}].shifts[${i}].activities[${problem.index}]`,
            message: problem.message,
          });
      for (const [x, y] of overlappingShiftPairs(shifts.map((v) => v.shift as Shift))) {
        const [i, j] = [shifts[x]?.i, shifts[y]?.i];
        problems.push({
          path: `schedules[${s}].agents[${a}].shifts[${j}]`,
          message: `overlaps shifts[${i}] of agent "${agentId}"`,
        });
      }
    });
  });
  return problems;
}

/** In genesys mode every schedule names its business unit and week: without them it cannot be addressed. */
function genesysAddressProblems(json: unknown): PlanProblem[] {
  return arrayAt(json, 'schedules').flatMap((schedule, s) =>
    (['businessUnitId', 'weekId'] as const)
      .filter((key) => !(schedule && typeof schedule === 'object' && key in schedule))
      .map((key) => ({ path: `schedules[${s}].${key}`, message: 'required when WFM_API_STYLE=genesys' })),
  );
}

/**
 * The REST contract versions whole documents, not agents: a per-agent `basedOn.version` could never be compared, and
 * silently ignoring it would let an edit the plan meant to guard against pass.
 */
function restVersionProblems(json: unknown): PlanProblem[] {
  const publishing = arrayAt(json, 'schedules').flatMap((schedule, s) =>
    schedule && typeof schedule === 'object' && 'publish' in schedule
      ? [{ path: `schedules[${s}].publish`, message: 'only WFM_API_STYLE=genesys publishes schedules' }]
      : [],
  );
  return [...publishing, ...restBasedOnVersionProblems(json)];
}

function restBasedOnVersionProblems(json: unknown): PlanProblem[] {
  return arrayAt(json, 'schedules').flatMap((schedule, s) =>
    arrayAt(schedule, 'agents').flatMap((agent, a) => {
      const basedOn =
        agent && typeof agent === 'object' ? (agent as Record<string, unknown>).basedOn : undefined;
      return basedOn && typeof basedOn === 'object' && 'version' in basedOn
        ? [
            {
              path: `schedules[${s}].agents[${a}].basedOn.version`,
              message:
                'only WFM_API_STYLE=genesys keeps a version per agent; with the REST contract give basedOn.shifts alone',
            },
          ]
        : [];
    }),
  );
}

function arrayAt(value: unknown, key: string): unknown[] {
  const field = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(field) ? field : [];
}

function stringAt(value: unknown, key: string): string | undefined {
  const field = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof field === 'string' ? field : undefined;
}
