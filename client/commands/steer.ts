import { CliExit, ExitCode, printJson } from '../cli-support';
import { withPushContext } from '../context';
import {
  cancelPush,
  pausePush,
  pushHandle,
  resumePush,
  retryPush,
  stateOf,
  type PushContext,
} from '../push-client';
import { followToReport, refusedAsInput } from './push';

async function requireRunning(ctx: PushContext, planId: string): Promise<void> {
  const state = await stateOf(pushHandle(ctx.client, planId));
  if (state !== 'running')
    throw new CliExit(
      ExitCode.failed,
      state ? `Push ${planId} is not running (${state})` : `No push with plan ID ${planId}`,
    );
}

/** `wfm-push pause <planId>`: in-flight schedules finish, no new ones start until `resume`. */
export async function pauseCommand(planId: string): Promise<void> {
  await withPushContext(async (ctx) => {
    await requireRunning(ctx, planId);
    await pausePush(ctx.client, planId);
    process.stdout.write(
      `Push ${planId}: pause requested; schedules in flight finish, no new ones start. Resume with: wfm-push resume ${planId}\n`,
    );
  });
}

export async function resumeCommand(planId: string): Promise<void> {
  await withPushContext(async (ctx) => {
    await requireRunning(ctx, planId);
    await resumePush(ctx.client, planId);
    process.stdout.write(`Push ${planId}: resumed\n`);
  });
}

/** `wfm-push cancel <planId>`: stops starting schedules; the report marks those never started. */
export async function cancelCommand(planId: string): Promise<void> {
  await withPushContext(async (ctx) => {
    await requireRunning(ctx, planId);
    await cancelPush(ctx.client, planId);
    process.stdout.write(
      `Push ${planId}: cancel requested; schedules in flight finish, the rest are reported as not started. See: wfm-push report ${planId}\n`,
    );
  });
}

/** `wfm-push watch <planId>`: a live progress line until the push ends, then its report. */
export async function watchCommand(planId: string, options: { json?: boolean }): Promise<void> {
  await withPushContext(async (ctx) => {
    if (!(await stateOf(pushHandle(ctx.client, planId))))
      throw new CliExit(ExitCode.failed, `No push with plan ID ${planId}`);
    await followToReport(ctx, planId, options.json ?? false);
  });
}

/** `wfm-push retry <planId>`: pushes again only the schedules of a finished push that did not land. */
export async function retryCommand(
  planId: string,
  options: { wait?: boolean; json?: boolean },
): Promise<void> {
  await withPushContext(async (ctx) => {
    const submitted = await retryPush(ctx, planId).catch(refusedAsInput);
    if (!submitted) {
      if (options.json) printJson({ ok: true, planId, retried: 0 });
      process.stderr.write(`Push ${planId}: every schedule is done; nothing to retry\n`);
      return;
    }
    process.stderr.write(`Push ${planId}: retrying the schedules that did not land\n`);
    if (options.wait) await followToReport(ctx, planId, options.json ?? false);
  });
}
