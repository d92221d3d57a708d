import { z } from 'zod';
import { commandWithOptions, parseOptions } from '../options';
import { CliExit, ExitCode, print, printJson } from '../output';

const jsonOption = z.object({ json: z.boolean().optional().describe('machine-readable output') });

/** `wfm-push status <planId>`: one line on where the push stands. */
export function statusCommand() {
  return commandWithOptions('status', jsonOption)
    .description('Where a push stands: running with its progress, or how it ended.')
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json } = parseOptions(jsonOption, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const state = await session.stateOf(session.pushHandle(ctx.client, planId));
        if (!state) throw new CliExit(ExitCode.failed, `No push with plan ID ${planId}`);
        if (state === 'running') {
          const progress = await session.pushProgress(ctx.client, planId);
          if (json) return printJson({ planId, state, progress });
          return print(
            `Push ${planId} is running. ${progress ? session.progressLine(progress) : '(no worker has answered yet)'}`,
          );
        }
        const t = (await session.pushReport(ctx, planId))?.totals;
        if (json) return printJson({ planId, state, totals: t });
        const summary = t
          ? `: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} of ${t.schedules} schedule(s) not done`
          : '';
        print(`Push ${planId} ${state}${summary}`);
      });
    });
}

/** `wfm-push report <planId>`: the report (exit 1 unless the push completed with every change in place). */
export function reportCommand() {
  return commandWithOptions('report', jsonOption)
    .description(
      'The report of a push: per schedule the outcome, versions, agents changed, conflicts, attempts.',
    )
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json } = parseOptions(jsonOption, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const report = await session.pushReport(ctx, planId);
        if (!report)
          throw new CliExit(ExitCode.failed, `No push with plan ID ${planId} (or its store is another one)`);
        if (report.state === 'running' && !json) {
          print(session.formatReport(report));
          throw new CliExit(ExitCode.failed, `Push ${planId} is still running; this is the report so far.`);
        }
        session.printReport(report, json ?? false);
      });
    });
}
