import { z } from 'zod';
import { NEWER_EDIT_POLICIES } from '../../model/push-options';
import { commandWithOptions, parseOptions, pushName, tenantOption } from '../options';
import { notifyUrlOption } from './push';
import { CliExit, ExitCode, print, printJson, say } from '../output';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `1h`, `7d`: a Temporal Schedule's interval, at least a second. */
const durationOption = () =>
  z
    .string()
    .regex(/^[1-9][0-9]*[smhd]$/, 'must be a number and a unit: 90s, 15m, 1h, 7d')
    .transform((text) => Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS]);

const verifyOptions = z
  .object({
    repair: z
      .boolean()
      .optional()
      .describe('push the drifted agents (only them) back to the plan, as push <planId>-repair-<n>'),
    onNewerEdit: z
      .enum(NEWER_EDIT_POLICIES)
      .default('plan-wins')
      .describe(
        'with --repair, for agents whose plan gives basedOn (a drifted agent was edited since that by definition): plan-wins puts the plan back, keep-theirs leaves them, fail reports them',
      ),
    json: z.boolean().optional().describe('machine-readable output (the drift report)'),
    notifyUrl: notifyUrlOption(
      'when a check finds drift or a schedule it cannot read (a clean check sends nothing); retried, never changes the report',
    ),
    every: durationOption()
      .optional()
      .meta({ arg: 'interval' })
      .describe('register a Temporal Schedule that checks every interval (90s, 15m, 1h, 7d) until --until'),
    until: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 time with offset, e.g. 2026-12-14T00:00:00Z' })
      .optional()
      .meta({ arg: 'time' })
      .describe('with --every: no check starts after this time'),
    stop: z.boolean().optional().describe("delete the plan's drift-check schedule"),
    ...tenantOption,
  })
  .superRefine((o, ctx) => {
    if (o.every !== undefined && o.until === undefined)
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'is required with --every (when to stop)' });
    if (o.until !== undefined && o.every === undefined)
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'is required with --until' });
    if (o.until !== undefined && Date.parse(o.until) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be in the future' });
    if (o.stop && (o.every !== undefined || o.repair))
      ctx.addIssue({
        code: 'custom',
        path: ['stop'],
        message: 'cannot be combined with --every or --repair',
      });
  });

/**
 * `wfm-push verify <planId>`: re-reads the schedules a finished push landed and names the agents whose live shifts no
 * longer match the plan; `--repair` pushes those agents back; `--every` checks periodically on a Temporal Schedule.
 */
export function verifyCommand() {
  return commandWithOptions('verify', verifyOptions)
    .description(
      'Check a finished push for drift: agents whose live shifts no longer match the plan (edited after the push). Runs on the workers, paced like a push; writes nothing unless --repair.',
    )
    .argument('<planId>')
    .addHelpText(
      'after',
      `
Exit codes: 0 no drift (or every drifted agent repaired), 1 drift found, a schedule unreadable or the repair
incomplete, 2 invalid input. With --every, a schedule is registered and the command returns at once: each run is a
verifyPush workflow (Temporal UI: Schedules). Delete it with --stop.`,
    )
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const options = parseOptions(verifyOptions, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        const name = pushName(planId, tenant);
        const again = `wfm-push verify ${planId}${tenant === undefined ? '' : ` --tenant ${tenant}`}`;
        if (options.stop) {
          const deleted = await session.deleteVerifySchedule(ctx.client, planId, tenant);
          if (options.json) printJson({ ok: true, planId, deleted });
          if (!deleted) throw new CliExit(ExitCode.failed, `Push ${name} has no drift-check schedule`);
          return say(`Deleted the drift-check schedule of push ${name}; checks already started finish.`);
        }
        if (options.every !== undefined && options.until !== undefined) {
          const until = new Date(options.until);
          const { scheduleId } = await session
            .scheduleVerify(ctx, planId, {
              everyMs: options.every,
              until,
              ...checkOptionsOf(options, tenant),
            })
            .catch(session.refusedAsInput);
          if (options.json) printJson({ ok: true, planId, scheduleId, everyMs: options.every, until });
          say(
            `Registered schedule ${scheduleId}: a drift check of push ${name}${options.repair ? ' with repair' : ''} every ${raw.every as string} until ${until.toISOString()}.`,
          );
          say(
            `See it in the Temporal UI (Schedules). Delete it with: ${again} --stop   (or: temporal schedule delete --schedule-id ${scheduleId})`,
          );
          return;
        }
        const handle = await session
          .startVerify(ctx, planId, checkOptionsOf(options, tenant))
          .catch(session.refusedAsInput);
        say(`Checking push ${name} for drift (workflow ${handle.workflowId})...`);
        const report = await handle.result();
        if (options.json) printJson(report);
        else print(session.formatDriftReport(report, await session.plannedShiftsOf(ctx, planId, tenant)));
        if (!session.driftSettled(report)) throw new CliExit(ExitCode.failed);
      });
    });
}

/**
 * What each check does beyond reading: the repair and the policy it runs with, and whom it tells. Asking for --repair
 * after reading the drift report is the decision to put the plan back, so the repair overwrites by default even where
 * the plan says what it was based on.
 */
function checkOptionsOf(
  options: {
    repair?: boolean;
    onNewerEdit: (typeof NEWER_EDIT_POLICIES)[number];
    notifyUrl?: string;
  },
  tenant: string | undefined,
) {
  const notify = {
    ...(options.notifyUrl ? { notifyUrl: options.notifyUrl } : {}),
    ...(tenant === undefined ? {} : { tenant }),
  };
  return options.repair
    ? { repair: true, repairOptions: { onNewerEdit: options.onNewerEdit }, ...notify }
    : { repair: options.repair, ...notify };
}
