import { z } from 'zod';
import { notifyUrlSchema } from '../../model/push-notice';
import { NEWER_EDIT_POLICIES, PUSH_DEFAULTS } from '../../model/push-options';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, printJson, say } from '../output';

/** How a push runs, and whom it tells when it ends: the same for a push and for its retry. */
export const pushRunOptions = {
  maxInFlight: intOption(1, 500).default(PUSH_DEFAULTS.maxInFlight).describe('schedules pushed at once'),
  conflictBudget: intOption(1, 1000)
    .default(PUSH_DEFAULTS.conflictBudget)
    .describe('consecutive version conflicts a schedule may meet before it fails as contention'),
  onNewerEdit: newerEditOption(),
  notifyUrl: notifyUrlOption(),
};

const pushOptions = z.object({
  wait: z.boolean().optional().describe('follow the push with a progress line and print its report'),
  json: z
    .boolean()
    .optional()
    .describe('machine-readable output (the report, or the problems of an invalid plan)'),
  publish: z
    .boolean()
    .optional()
    .describe(
      'Genesys Cloud: publish every target schedule not yet published (the plan field publish: true does it per schedule; a published schedule cannot be unpublished). Changes go in updates of at most 1,000 agents so Genesys notifies every changed agent',
    ),
  supersede: z
    .boolean()
    .optional()
    .describe(
      'take over every schedule a push of an earlier plan is still working on instead of waiting for it: the older push stops there at its next safe point (a write in flight is confirmed first) and reports it superseded',
    ),
  ...pushRunOptions,
});

/** `--notify-url`: a webhook told when the push (or its retry, or a drift check: `what`) ends. */
export function notifyUrlOption(
  what = 'when the push ends (completed, failed or cancelled); retried, never changes the outcome',
) {
  return notifyUrlSchema.optional().meta({ arg: 'url' }).describe(`POST a JSON notice here ${what}`);
}

/**
 * `--on-newer-edit`: for agents whose plan says what it was `basedOn` and whose live state differs from that (someone
 * edited them after planning). Agents without `basedOn` are pushed as before.
 */
export function newerEditOption() {
  return z
    .enum(NEWER_EDIT_POLICIES)
    .default(PUSH_DEFAULTS.onNewerEdit)
    .describe(
      `agents edited since the plan was computed (their basedOn differs from the live agent): ${NEWER_EDIT_POLICIES.join(' | ')}`,
    );
}

/** `wfm-push push <plan.json>`: validate, store, start (or attach to the running push of the same plan). */
export function pushCommand() {
  return commandWithOptions('push', pushOptions)
    .description(
      'Validate a plan file and start its bulk push (attaches if that plan is already being pushed).',
    )
    .argument(
      '<plan.json>',
      'the plan: { planId?, schedules: [{ scheduleId, agents: [{ agentId, shifts }] }] }',
    )
    .action(async (file: string, raw: Record<string, unknown>) => {
      const options = parseOptions(pushOptions, raw);
      const session = await import('../session');
      const settings = session.loadSettings();
      const loaded = await session.loadPlanFile(file, options.json ?? false, settings);
      const plan = options.publish ? publishing(loaded, session.planApiStyle(loaded, settings)) : loaded;
      await session.withSession(async (ctx) => {
        const { maxInFlight, conflictBudget, onNewerEdit, notifyUrl, supersede } = options;
        const submitted = await session
          .submitPush(ctx, plan, {
            maxInFlight,
            conflictBudget,
            onNewerEdit,
            notifyUrl,
            ...(supersede ? { supersede } : {}),
          })
          .catch(session.refusedAsInput);
        const verb = submitted.attached ? 'is already running; following it' : 'started';
        say(`Push ${plan.planId} ${verb} (workflow ${submitted.handle.workflowId})`);
        if (options.wait) return session.followToReport(ctx, plan.planId, options.json ?? false, plan.tenant);
        if (options.json)
          printJson({
            ok: true,
            planId: plan.planId,
            workflowId: submitted.handle.workflowId,
            attached: submitted.attached,
          });
      }, settings);
    });
}

/**
 * `--publish`: the plan with `publish: true` on every schedule. It is part of the plan (stored and bound to its ID like
 * the rest), so a push of the same file with and without it are two plans.
 */
function publishing<P extends { schedules: Array<{ publish?: boolean }> }>(plan: P, apiStyle: string): P {
  if (apiStyle !== 'genesys')
    throw new CliExit(
      ExitCode.invalidInput,
      '--publish: only a Genesys Cloud WFM publishes schedules (WFM_API_STYLE=genesys, or a genesys tenant)',
    );
  return { ...plan, schedules: plan.schedules.map((s) => ({ ...s, publish: true })) };
}
