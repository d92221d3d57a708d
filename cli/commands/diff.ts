import { z } from 'zod';
import { commandWithOptions, intOption, parseOptions } from '../options';
import { CliExit, ExitCode, print, printJson, say } from '../output';
import { newerEditOption } from './push';

const diffOptions = z.object({
  json: z.boolean().optional().describe('the diff as JSON (shape documented in docs/operating.md)'),
  agents: z.boolean().optional().describe('also one row per agent the push would write, keep or fail'),
  all: z.boolean().optional().describe('every schedule (and agent) row, not the first ones'),
  onNewerEdit: newerEditOption(),
  maxInFlight: intOption(1, 500)
    .default(50)
    .describe('schedules read at once (the worker paces the requests)'),
  diffId: z
    .string()
    .optional()
    .meta({ arg: 'id' })
    .describe('follow and print a diff already started for this plan'),
});

/** How long without an answer to the progress query before the CLI says no worker seems to be running. */
const NO_WORKER_WARNING_MS = 15_000;

/** `wfm-push diff <plan.json>`: a dry run; reads the live schedules through the workers, writes nothing. */
export function diffCommand() {
  return commandWithOptions('diff', diffOptions)
    .description(
      'Dry run: read the live schedules (through the workers, paced like a push) and show per schedule and agent what a push of the plan would change. Writes nothing.',
    )
    .argument('<plan.json>', 'the plan, as for push')
    .action(async (file: string, raw: Record<string, unknown>) => {
      const options = parseOptions(diffOptions, raw);
      const session = await import('../session');
      const diffClient = await import('../../client/diff-client');
      const { formatDiff } = await import('../../client/diff-format');
      const settings = session.loadSettings();
      const plan = await session.loadPlanFile(file, options.json ?? false, settings);
      await session.withSession(async (ctx) => {
        const diffId =
          options.diffId ??
          (await diffClient.startDiff(ctx, plan, options).catch(session.refusedAsInput)).diffId;
        say(
          `Diff ${diffId} of plan ${plan.planId} ${options.diffId ? 'followed' : 'started'} (workflow ${diffClient.diffHandle(ctx.client, plan.planId, diffId, plan.tenant).workflowId})`,
        );
        const report = await diffClient.waitForDiffReport(ctx, plan, diffId, progressLine(ctx.taskQueue));
        say(`diff: ${report.schedules.length}/${report.summary.schedules} schedules read`);
        if (options.json) printJson(report);
        else print(formatDiff(report, options));
        if (report.state !== 'completed' || report.summary.schedulesUnreadable > 0)
          throw new CliExit(ExitCode.failed);
      }, settings);
    });
}

/** A progress line every few seconds on stderr, and a warning when no worker answers. */
function progressLine(taskQueue: string) {
  let lastAnswer = Date.now();
  let lastLine = 0;
  let warned = false;
  return (p: { done: number; schedules: number } | undefined) => {
    const now = Date.now();
    if (!p) {
      if (!warned && now - lastAnswer > NO_WORKER_WARNING_MS) {
        warned = true;
        say(
          `No worker has answered for ${NO_WORKER_WARNING_MS / 1000} s. Is \`wfm-push worker\` running with WFM_PUSH_TASK_QUEUE=${taskQueue}? The diff reads through it and waits for one.`,
        );
      }
      return;
    }
    lastAnswer = now;
    if (now - lastLine >= 5000 || p.done === p.schedules) {
      lastLine = now;
      say(`diff: ${p.done}/${p.schedules} schedules read`);
    }
  };
}
