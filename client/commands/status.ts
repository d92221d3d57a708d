import { CliExit, ExitCode, printJson } from '../cli-support';
import { withPushContext } from '../context';
import { pushHandle, pushProgress, pushReport, stateOf } from '../push-client';
import { formatReport, progressLine } from '../report-format';
import { finish } from './push';

/** `wfm-push status <planId>`: one line on where the push stands. */
export async function statusCommand(planId: string, options: { json?: boolean }): Promise<void> {
  await withPushContext(async (ctx) => {
    const state = await stateOf(pushHandle(ctx.client, planId));
    if (!state) throw new CliExit(ExitCode.failed, `No push with plan ID ${planId}`);
    if (state === 'running') {
      const progress = await pushProgress(ctx.client, planId);
      if (options.json) return printJson({ planId, state, progress });
      process.stdout.write(
        `Push ${planId} is running. ${progress ? progressLine(progress) : '(no worker has answered yet)'}\n`,
      );
      return;
    }
    const report = await pushReport(ctx, planId);
    const t = report?.totals;
    if (options.json) return printJson({ planId, state, totals: t });
    const summary = t
      ? `: ${t.agentsChanged + t.agentsAlreadyInPlace}/${t.agentsPlanned} agents in place, ${t.schedulesFailed} of ${t.schedules} schedule(s) not done`
      : '';
    process.stdout.write(`Push ${planId} ${state}${summary}\n`);
  });
}

/** `wfm-push report <planId>`: the report (exit 1 unless the push completed with every change in place). */
export async function reportCommand(planId: string, options: { json?: boolean }): Promise<void> {
  await withPushContext(async (ctx) => {
    const report = await pushReport(ctx, planId);
    if (!report)
      throw new CliExit(
        ExitCode.failed,
        `No push with plan ID ${planId} (or its data folder is another one)`,
      );
    if (report.state === 'running' && !options.json) {
      process.stdout.write(`${formatReport(report)}\n`);
      throw new CliExit(ExitCode.failed, `Push ${planId} is still running; this is the report so far.`);
    }
    finish(report, options.json ?? false);
  });
}
