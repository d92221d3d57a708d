import { readFile } from 'node:fs/promises';
import { parsePlan, type Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import type { PushProgress } from '../../workflows/messages';
import { CliExit, ExitCode, printJson } from '../cli-support';
import { withPushContext } from '../context';
import { PushRefused, submitPush, waitForReport, type PushContext, type SubmitOptions } from '../push-client';
import { formatReport, progressLine } from '../report-format';

export interface PushCommandOptions extends SubmitOptions {
  wait?: boolean;
  json?: boolean;
}

/** Reads and validates a plan file; every problem is printed with its path and nothing is started. */
export async function loadPlanFile(file: string, json: boolean): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliExit(ExitCode.invalidInput, `Cannot read plan ${file}: ${(err as Error).message}`);
  }
  const parsed = parsePlan(text);
  if (parsed.ok) return parsed.plan;
  if (json) printJson({ ok: false, file, problems: parsed.problems });
  const list = parsed.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
  throw new CliExit(
    ExitCode.invalidInput,
    json
      ? ''
      : `Plan ${file} is invalid (${parsed.problems.length} problem(s)); nothing was started:\n${list}`,
  );
}

export async function pushCommand(file: string, options: PushCommandOptions): Promise<void> {
  const plan = await loadPlanFile(file, options.json ?? false);
  await withPushContext(async (ctx) => {
    const { maxInFlight, conflictBudget } = options;
    const submitted = await submitPush(ctx, plan, { maxInFlight, conflictBudget }).catch(refusedAsInput);
    const verb = submitted.attached ? 'is already running; following it' : 'started';
    process.stderr.write(`Push ${plan.planId} ${verb} (workflow ${submitted.handle.workflowId})\n`);
    if (options.wait) return followToReport(ctx, plan.planId, options.json ?? false);
    if (options.json)
      printJson({
        ok: true,
        planId: plan.planId,
        workflowId: submitted.handle.workflowId,
        attached: submitted.attached,
      });
  });
}

export function refusedAsInput(err: unknown): never {
  if (err instanceof PushRefused) throw new CliExit(ExitCode.invalidInput, err.message);
  throw err;
}

/** Shows progress until the push ends, then its report; exit 1 unless every planned change is in place. */
export async function followToReport(ctx: PushContext, planId: string, json: boolean): Promise<void> {
  const report = await waitForReport(ctx, planId, showProgress(ctx.taskQueue));
  process.stderr.write('\n');
  finish(report, json);
}

/** Prints the report and sets the exit code: 0 when every change is in place, 1 otherwise. */
export function finish(report: PushReport, json: boolean): void {
  if (json) printJson(report);
  else process.stdout.write(`${formatReport(report)}\n`);
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
  return (p) => {
    const now = Date.now();
    if (!p) {
      if (!warned && now - lastAnswer > NO_WORKER_WARNING_MS) {
        warned = true;
        process.stderr.write(
          `\nNo worker has answered for ${NO_WORKER_WARNING_MS / 1000} s. Is \`wfm-push worker\` running with WFM_PUSH_TASK_QUEUE=${taskQueue} against this Temporal server? The push waits for one.\n`,
        );
      }
      return;
    }
    lastAnswer = now;
    if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
    else if (now - lastLine >= 5000) {
      lastLine = now;
      process.stderr.write(`${progressLine(p)}\n`);
    }
  };
}

const NO_WORKER_WARNING_MS = 15_000;
