import { z } from 'zod';
import { idSchema } from './ids';
import { planSchema } from './plan';
import { notifyUrlSchema } from './push-notice';
import { NEWER_EDIT_POLICIES } from './push-options';
import type { PushSummary } from './report';

/**
 * The public contract of a push started from any Temporal client (docs/start-a-push.md): workflow type `bulkPush` on
 * the workers' task queue, workflow ID `bulk-push:<planId>` (a tenant's plan: `bulk-push:<tenant>/<planId>`), one
 * argument of this shape. The JSON Schemas in docs/contract/ are generated from these zod schemas
 * (`npm run contract`); a test fails when they are stale.
 */

/**
 * The largest inline plan accepted, in bytes of JSON: a quarter of Temporal's 2 MiB payload limit, so the start
 * request, the first activity's input (which carries the plan once more) and the encryption overhead stay far below
 * it. Larger plans go through the plan store (`wfm-push push`, or the TypeScript library).
 */
export const INLINE_PLAN_MAX_BYTES = 512 * 1024;

/** Options every push accepts, whoever starts it. The defaults are `PUSH_DEFAULTS` (model/push-options.ts). */
export const pushStartOptionsSchema = z.strictObject({
  maxInFlight: z.number().int().min(1).max(500).optional().describe('schedules pushed at once (default 50)'),
  conflictBudget: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe('consecutive version conflicts a schedule may meet before it fails as Contention (default 20)'),
  maxChildrenPerRun: z
    .number()
    .int()
    .min(1)
    .max(2000)
    .optional()
    .describe('schedules one workflow run starts before it continues as new (default 500)'),
  notifyUrl: notifyUrlSchema.optional(),
  onNewerEdit: z
    .enum(NEWER_EDIT_POLICIES)
    .optional()
    .describe(
      'agents whose basedOn no longer matches the live agent (edited since the plan was computed): keep-theirs (default) leaves them and reports them, plan-wins overwrites them, fail fails them',
    ),
  supersede: z
    .boolean()
    .optional()
    .describe(
      'take over every schedule a push of an earlier-submitted plan is still working on instead of waiting for it (default false): the older push stops there at its next safe point (a write in flight is confirmed first) and reports it superseded',
    ),
});

export const inlinePlanStartSchema = pushStartOptionsSchema
  .extend({
    plan: planSchema.describe(
      `the plan itself, at most ${INLINE_PLAN_MAX_BYTES} bytes of JSON; planId, when given, must match the workflow ID`,
    ),
  })
  .meta({
    title: 'bulkPush input (inline plan)',
    description:
      'The one argument of workflow type bulkPush when a client passes the plan inline. Start it with workflow ID bulk-push:<planId> (a plan naming a tenant: bulk-push:<tenant>/<planId>) on the workers\u2019 task queue (WFM_PUSH_TASK_QUEUE, default wfm-push).',
  });
export type InlinePlanStart = z.infer<typeof inlinePlanStartSchema>;

const count = () => z.number().int().nonnegative();

/**
 * The input of a push whose plan is already in the plan store (the client library, `wfm-push push` and `retry`, a
 * drift check's repair). Not part of the public contract: a run that does not continue an earlier one checks it like
 * an inline plan (the ID grammar, every option, the workflow ID, and that the plan ID is bound to this reference or
 * the reference holds a part of the bound plan), so no client can push content other than what the ID was bound to.
 * Strict: `carried` (what a run hands the next when it continues as new) is never accepted from a client.
 */
export const storedPlanStartSchema = pushStartOptionsSchema.extend({
  planId: idSchema,
  planRef: z.string().regex(/^[0-9a-f]{64}$/, 'must be a stored plan reference (64 lowercase hex digits)'),
  schedules: count(),
  agentsPlanned: count(),
  /** The plan's own `supersedes`, as the client read it from the plan. */
  supersedes: idSchema.optional(),
});
export type StoredPlanStartInput = z.infer<typeof storedPlanStartSchema>;

/** What `bulkPush` returns when it completes. Checked against `PushSummary` at compile time below. */
export const pushSummarySchema = z
  .strictObject({
    planId: z.string(),
    totals: z.strictObject({
      schedules: count().describe('schedules this run of the push covered'),
      schedulesDone: count().describe('schedules finished, whatever their outcome'),
      agentsPlanned: count(),
      agentsChanged: count(),
      agentsAlreadyInPlace: count(),
      agentsKeptTheirs: count().describe(
        'agents edited since the plan was computed and left as they are (keep-theirs)',
      ),
      agentsProtected: count().describe(
        'agents not written because their plan overlaps approved time off or an activity booked by another system (Genesys Cloud)',
      ),
      agentsFailed: count(),
      schedulesFailed: count(),
      schedulesSuperseded: count()
        .optional()
        .describe('schedules a newer plan took over (--supersede, supersedes); neither done nor failed'),
      agentsSuperseded: count()
        .optional()
        .describe('agents of those schedules this push had not brought to its plan when it stopped'),
      conflicts: count().describe('version conflicts met and resolved by re-reading and rebasing'),
      requests: count().describe('HTTP requests sent to the WFM'),
      rateLimitWaits: count().describe('requests answered 429'),
      transientRetries: count(),
      writes: count(),
    }),
  })
  .meta({
    title: 'bulkPush result',
    description:
      'Counts only. Per-schedule lines are in the result store: `wfm-push report <planId> --json` prints them.',
  });

// The failure types a caller of `bulkPush` can branch on live with the others (workflows need them without zod).
export { PushStartFailure } from './failures';

/** The JSON Schemas of the contract, by file name under docs/contract/. */
export function contractJsonSchemas(): Record<string, unknown> {
  return {
    'bulk-push-input.schema.json': z.toJSONSchema(inlinePlanStartSchema, { io: 'input' }),
    'bulk-push-result.schema.json': z.toJSONSchema(pushSummarySchema, { io: 'output' }),
  };
}

// The result schema and the type the workflow returns must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const resultSchemaMatchesType: Same<z.infer<typeof pushSummarySchema>, PushSummary> = true;
void resultSchemaMatchesType;
