import { z } from 'zod';
import type { PushContext } from '../../client/push-client';
import { commandWithOptions, parseOptions, pushName, tenantOption } from '../options';
import { CliExit, ExitCode, print, printJson } from '../output';
import type * as sessionModule from '../session';

const jsonOption = z.object({
  json: z.boolean().optional().describe('machine-readable output'),
  ...tenantOption,
});

/** `wfm-push status <planId>`: one line on where the push stands. */
export function statusCommand() {
  return commandWithOptions('status', jsonOption)
    .description('Where a push stands: running with its progress, or how it ended.')
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json, ...options } = parseOptions(jsonOption, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        const state = await session.stateOf(session.pushHandle(ctx.client, planId, tenant));
        if (!state) throw new CliExit(ExitCode.failed, `No push with plan ID ${pushName(planId, tenant)}`);
        if (state === 'running') {
          const progress = await session.pushProgress(ctx.client, planId, tenant);
          // What the schedules in flight have written, and what they are retrying: the push's counts move only
          // when a schedule ends.
          const { trouble, syncing } = progress
            ? await session.lookInFlight(ctx.client, progress, Date.now(), tenant)
            : { trouble: undefined, syncing: undefined };
          if (json)
            return printJson({
              planId,
              ...(tenant === undefined ? {} : { tenant }),
              state,
              progress,
              ...(syncing ? { syncing } : {}),
              ...(trouble ? { trouble } : {}),
            });
          return print(
            `Push ${planId} is running. ${progress ? session.progressLine(progress, Date.now(), undefined, syncing) : '(no worker has answered yet)'}${trouble ? `\n  ! ${trouble.summary}` : ''}`,
          );
        }
        const t = (await session.pushReport(ctx, planId, tenant))?.totals;
        if (json) return printJson({ planId, ...(tenant === undefined ? {} : { tenant }), state, totals: t });
        const finishing = t?.schedulesInFlight
          ? `; ${t.schedulesInFlight} still finishing (in flight when it ended)`
          : '';
        const superseded = t?.schedulesSuperseded
          ? `; ${t.schedulesSuperseded} of them SUPERSEDED (taken over by a newer plan: report names it)`
          : '';
        const summary = t
          ? `: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${session.schedulesNotDone(t)} of ${t.schedules} schedule(s) not done${superseded}${finishing}`
          : '';
        print(`Push ${planId} ${state}${summary}`);
      });
    });
}

const reportOptions = jsonOption.extend({
  agents: z
    .boolean()
    .optional()
    .describe(
      'every planned agent: applied, already-in-place, kept-theirs or failed (with the reason and, for agents edited since the plan, their live shifts)',
    ),
  csv: z.boolean().optional().describe('the per-agent report as CSV (implies --agents)'),
});

/** `wfm-push report <planId>`: the report (exit 1 unless the push completed with every change in place). */
export function reportCommand() {
  return commandWithOptions('report', reportOptions)
    .description(
      'The report of a push: per schedule the outcome, versions, agents changed, conflicts, attempts; --agents: per agent.',
    )
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json, agents, csv, ...options } = parseOptions(reportOptions, raw);
      if (json && csv) throw new CliExit(ExitCode.invalidInput, 'Choose one of --json and --csv');
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        if (agents || csv)
          return printAgentReport(session, ctx, planId, tenant, csv ? 'csv' : json ? 'json' : 'text');
        const report = await session.pushReport(ctx, planId, tenant);
        if (!report)
          throw new CliExit(
            ExitCode.failed,
            `No push with plan ID ${pushName(planId, tenant)} (or its store is another one)`,
          );
        if (report.state === 'running' && !json) {
          print(session.formatReport(report));
          throw new CliExit(ExitCode.failed, `Push ${planId} is still running; this is the report so far.`);
        }
        session.printReport(report, json ?? false);
      });
    });
}

/** The per-agent report; exit 1 unless the push completed and no agent failed (kept-theirs is not a failure). */
async function printAgentReport(
  session: typeof sessionModule,
  ctx: PushContext,
  planId: string,
  tenant: string | undefined,
  format: 'text' | 'json' | 'csv',
): Promise<void> {
  const report = await session.pushAgentReport(ctx, planId, tenant);
  if (!report)
    throw new CliExit(
      ExitCode.failed,
      `No push with plan ID ${pushName(planId, tenant)} (or its data folder is another one)`,
    );
  if (format === 'json') printJson(report);
  else if (format === 'csv') process.stdout.write(session.agentReportCsv(report));
  else print(session.formatAgentReport(report));
  if (report.state !== 'completed' || report.counts.failed > 0) throw new CliExit(ExitCode.failed);
}
