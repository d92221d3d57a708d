import { readFile } from 'node:fs/promises';
import { LocalPlanStore } from '../../activities/plan-store';
import { parseEnv, plansFolder, sharedSettingsSchema } from '../../config/env';
import { connectClient } from '../../config/temporal';
import { parsePlan, type Plan } from '../../model/plan';
import type { PushReport } from '../../model/report';
import { CliExit, ExitCode, printJson } from '../cli-support';
import { submitPush, waitForReport } from '../push-client';
import { formatReport, progressLine } from '../report-format';

export interface PushCommandOptions {
  wait?: boolean;
  json?: boolean;
  maxInFlight?: number;
  conflictBudget?: number;
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
  const settings = parseEnv(sharedSettingsSchema);
  const plan = await loadPlanFile(file, options.json ?? false);
  const client = await connectClient();
  try {
    const handle = await submitPush(plan, {
      client,
      plans: new LocalPlanStore(plansFolder(settings)),
      taskQueue: settings.WFM_PUSH_TASK_QUEUE,
      maxInFlight: options.maxInFlight,
      conflictBudget: options.conflictBudget,
    });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    log(`Push ${plan.planId} started as workflow ${handle.workflowId}`);
    if (!options.wait) {
      if (options.json) printJson({ ok: true, planId: plan.planId, workflowId: handle.workflowId });
      return;
    }
    const report = await waitForReport(handle, showProgress());
    process.stderr.write('\n');
    finish(report, options.json ?? false);
  } finally {
    await client.connection.close();
  }
}

/** Prints the report and sets the exit code: 0 when every change is in place, 1 when any schedule failed. */
export function finish(report: PushReport, json: boolean): void {
  if (json) printJson(report);
  else process.stdout.write(`${formatReport(report)}\n`);
  if (report.totals.schedulesFailed > 0) throw new CliExit(ExitCode.failed);
}

/** Redraws one line on a terminal; elsewhere (CI, pipes) prints a line every 5 seconds. */
export function showProgress(): (p: Parameters<typeof progressLine>[0]) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (p) => {
    if (tty) process.stderr.write(`\r${progressLine(p)}\x1b[K`);
    else if (Date.now() - last >= 5000) {
      last = Date.now();
      process.stderr.write(`${progressLine(p)}\n`);
    }
  };
}
