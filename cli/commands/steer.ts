import type { Command } from 'commander';
import { z } from 'zod';
import type { PushContext } from '../../client/push-client';
import { commandWithOptions, parseOptions, pushName, tenantOption } from '../options';
import { pushRunOptions } from './push';
import type * as sessionModule from '../session';
import { CliExit, ExitCode, print, printJson, say } from '../output';

type Session = typeof sessionModule;

/** Ends with exit 1 unless the push exists and is running. */
async function requireRunning(
  session: Session,
  ctx: PushContext,
  planId: string,
  tenant: string | undefined,
): Promise<void> {
  const state = await session.stateOf(session.pushHandle(ctx.client, planId, tenant));
  if (state !== 'running')
    throw new CliExit(
      ExitCode.failed,
      state
        ? `Push ${pushName(planId, tenant)} is not running (${state})`
        : `No push with plan ID ${pushName(planId, tenant)}`,
    );
}

const steeringOptions = z.object(tenantOption);

/** ` --tenant <id>` when the push is a tenant's: the next command to type names it too. */
const tenantFlag = (tenant: string | undefined) => (tenant === undefined ? '' : ` --tenant ${tenant}`);

/** A command that sends one message to a running push and says what it means. */
function steeringCommand(
  name: string,
  description: string,
  send: (session: Session, ctx: PushContext, planId: string, tenant: string | undefined) => Promise<void>,
  done: (planId: string, tenant: string | undefined) => string,
): Command {
  return commandWithOptions(name, steeringOptions)
    .description(description)
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const options = parseOptions(steeringOptions, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        await requireRunning(session, ctx, planId, tenant);
        await send(session, ctx, planId, tenant);
        print(done(planId, tenant));
      });
    });
}

export function pauseCommand(): Command {
  return steeringCommand(
    'pause',
    'Pause a running push: schedules in flight finish, no new ones start (works even while no worker runs).',
    (session, ctx, planId, tenant) => session.pausePush(ctx.client, planId, tenant),
    (planId, tenant) =>
      `Push ${pushName(planId, tenant)}: pause requested; schedules in flight finish, no new ones start. Resume with: wfm-push resume ${planId}${tenantFlag(tenant)}`,
  );
}

export function resumeCommand(): Command {
  return steeringCommand(
    'resume',
    'Resume a paused push.',
    (session, ctx, planId, tenant) => session.resumePush(ctx.client, planId, tenant),
    (planId, tenant) => `Push ${pushName(planId, tenant)}: resumed`,
  );
}

export function cancelCommand(): Command {
  return steeringCommand(
    'cancel',
    'Cancel a running push: schedules in flight finish; the report marks the rest as not started.',
    async (session, ctx, planId, tenant) => {
      await session.cancelPush(ctx.client, planId, tenant);
      // The cancel is a request the push's own workflow carries out: with no worker, nothing happens until one runs.
      const queue = await session.pushTaskQueue(ctx.client, planId, tenant);
      if (queue && !(await session.workerPolls(ctx.client, queue).catch(() => true)))
        say(
          `No worker polls task queue ${queue}: the push stops when a worker comes back (wfm-push worker with WFM_PUSH_TASK_QUEUE=${queue}). To end it without one: temporal workflow terminate --workflow-id ${session.bulkPushWorkflowId(planId, tenant)}`,
        );
    },
    (planId, tenant) =>
      `Push ${pushName(planId, tenant)}: cancel requested; schedules in flight finish, the rest are reported as not started. See: wfm-push report ${planId}${tenantFlag(tenant)}`,
  );
}

const watchOptions = z.object({
  json: z.boolean().optional().describe('print the final report as JSON'),
  ...tenantOption,
});

/** `wfm-push watch <planId>`: a live progress line until the push ends, then its report. */
export function watchCommand(): Command {
  return commandWithOptions('watch', watchOptions)
    .description(
      'A live progress line (done/total, rate, ETA, conflicts, failures) until the push ends, then its report.',
    )
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json, ...options } = parseOptions(watchOptions, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        if (!(await session.stateOf(session.pushHandle(ctx.client, planId, tenant))))
          throw new CliExit(ExitCode.failed, `No push with plan ID ${pushName(planId, tenant)}`);
        await session.followToReport(ctx, planId, json ?? false, tenant);
      });
    });
}

const retryOptions = z.object({
  wait: z.boolean().optional().describe('follow it and print the report of the whole plan'),
  json: z.boolean().optional().describe('machine-readable output'),
  ...tenantOption,
  // e.g. a push that failed agents with --on-newer-edit fail, retried with plan-wins once someone has looked.
  ...pushRunOptions,
});

/** `wfm-push retry <planId>`: pushes again only the schedules of a finished push that did not land. */
export function retryCommand(): Command {
  return commandWithOptions('retry', retryOptions)
    .description(
      'Push again only the schedules of a finished push that did not land (failed or not started).',
    )
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const options = parseOptions(retryOptions, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        const { maxInFlight, conflictBudget, onNewerEdit, notifyUrl } = options;
        const tenant = await session.tenantFor(ctx, planId, options.tenant);
        const submitted = await session
          .retryPush(ctx, planId, { maxInFlight, conflictBudget, onNewerEdit, notifyUrl }, tenant)
          .catch(session.refusedAsInput);
        if (!submitted) {
          if (options.json) printJson({ ok: true, planId, retried: 0 });
          say(`Push ${planId}: every schedule is done; nothing to retry`);
          return;
        }
        say(`Push ${planId}: retrying the schedules that did not land`);
        if (options.wait) await session.followToReport(ctx, planId, options.json ?? false, tenant);
      });
    });
}
