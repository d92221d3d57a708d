import type { PushReport } from '../model/report';
import { type PushContext, waitForReport } from '../client/push-client';
import { formatReport, progressLine, RequestWindow } from '../client/report-format';
import type { PushProgress } from '../workflows/messages';
import { CliExit, ExitCode, print, printJson, say } from './output';

/** How long without an answer to the progress query before the CLI says no worker seems to be running. */
const NO_WORKER_WARNING_MS = 15_000;

/** Shows progress until the push ends, then its report; exit 1 unless every planned change is in place. */
export async function followToReport(ctx: PushContext, planId: string, json: boolean): Promise<void> {
  const report = await waitForReport(ctx, planId, showProgress(ctx.taskQueue));
  process.stderr.write('\n');
  printReport(report, json);
}

/** Prints the report and ends with exit 0 only when the push completed with every change in place. */
export function printReport(report: PushReport, json: boolean): void {
  if (json) printJson(report);
  else print(formatReport(report));
  const t = report.totals;
  if (report.state !== 'completed' || t.schedulesFailed > 0 || t.schedulesDone < t.schedules)
    throw new CliExit(ExitCode.failed);
}

/**
 * Redraws one line on a terminal; elsewhere (CI, pipes) prints a line every 5 seconds. When no worker has answered
 * for a while, says so: a push without a worker waits, durably, but silently otherwise.
 */
export function showProgress(taskQueue: string): (p: PushProgress | undefined) => void {
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  let lastAnswer = Date.now();
  let warned = false;
  const requests = new RequestWindow();
  return (p) => {
    const now = Date.now();
    if (!p) {
      if (!warned && now - lastAnswer > NO_WORKER_WARNING_MS) {
        warned = true;
        say(
          `\nNo worker has answered for ${NO_WORKER_WARNING_MS / 1000} s. Is \`wfm-push worker\` running with WFM_PUSH_TASK_QUEUE=${taskQueue} against this Temporal server? The push waits for one.`,
        );
      }
      return;
    }
    lastAnswer = now;
    const line = progressLine(p, now, requests.add(p, now));
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else if (now - lastLine >= 5000) {
      lastLine = now;
      say(line);
    }
  };
}
