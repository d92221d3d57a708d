import { Command } from 'commander';
import { z } from 'zod';
import type { PushContext } from '../../client/push-client';
import { commandWithOptions, parseOptions } from '../options';
import { pushRunOptions } from './push';
import type * as sessionModule from '../session';
import { CliExit, ExitCode, print, printJson, say } from '../output';

type Session = typeof sessionModule;

/** Ends with exit 1 unless the push exists and is running. */
async function requireRunning(session: Session, ctx: PushContext, planId: string): Promise<void> {
  const state = await session.stateOf(session.pushHandle(ctx.client, planId));
  if (state !== 'running')
    throw new CliExit(
      ExitCode.failed,
      state ? `Push ${planId} is not running (${state})` : `No push with plan ID ${planId}`,
    );
}

/** A command that sends one message to a running push and says what it means. */
function steeringCommand(
  name: string,
  description: string,
  send: (session: Session, ctx: PushContext, planId: string) => Promise<void>,
  done: (planId: string) => string,
): Command {
  return new Command(name)
    .description(description)
    .argument('<planId>')
    .action(async (planId: string) => {
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        await requireRunning(session, ctx, planId);
        await send(session, ctx, planId);
        print(done(planId));
      });
    });
}

export function pauseCommand(): Command {
  return steeringCommand(
    'pause',
    'Pause a running push: schedules in flight finish, no new ones start (works even while no worker runs).',
    (session, ctx, planId) => session.pausePush(ctx.client, planId),
    (planId) =>
      `Push ${planId}: pause requested; schedules in flight finish, no new ones start. Resume with: wfm-push resume ${planId}`,
  );
}

export function resumeCommand(): Command {
  return steeringCommand(
    'resume',
    'Resume a paused push.',
    (session, ctx, planId) => session.resumePush(ctx.client, planId),
    (planId) => `Push ${planId}: resumed`,
  );
}

export function cancelCommand(): Command {
  return steeringCommand(
    'cancel',
    'Cancel a running push: schedules in flight finish; the report marks the rest as not started.',
    async (session, ctx, planId) => {
      await session.cancelPush(ctx.client, planId);
      // The cancel is a request the push's own workflow carries out: with no worker, nothing happens until one runs.
      const queue = await session.pushTaskQueue(ctx.client, planId);
      if (queue && !(await session.workerPolls(ctx.client, queue).catch(() => true)))
        say(
          `No worker polls task queue ${queue}: the push stops when a worker comes back (wfm-push worker with WFM_PUSH_TASK_QUEUE=${queue}). To end it without one: temporal workflow terminate --workflow-id ${session.bulkPushWorkflowId(planId)}`,
        );
    },
    (planId) =>
      `Push ${planId}: cancel requested; schedules in flight finish, the rest are reported as not started. See: wfm-push report ${planId}`,
  );
}

const watchOptions = z.object({ json: z.boolean().optional().describe('print the final report as JSON') });

/** `wfm-push watch <planId>`: a live progress line until the push ends, then its report. */
export function watchCommand(): Command {
  return commandWithOptions('watch', watchOptions)
    .description(
      'A live progress line (done/total, rate, ETA, conflicts, failures) until the push ends, then its report.',
    )
    .argument('<planId>')
    .action(async (planId: string, raw: Record<string, unknown>) => {
      const { json } = parseOptions(watchOptions, raw);
      const session = await import('../session');
      await session.withSession(async (ctx) => {
        if (!(await session.stateOf(session.pushHandle(ctx.client, planId))))
          throw new CliExit(ExitCode.failed, `No push with plan ID ${planId}`);
        await session.followToReport(ctx, planId, json ?? false);
      });
    });
}

const retryOptions = z.object({
  wait: z.boolean().optional().describe('follow it and print the report of the whole plan'),
  json: z.boolean().optional().describe('machine-readable output'),
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
        const submitted = await session
          .retryPush(ctx, planId, { maxInFlight, conflictBudget, onNewerEdit, notifyUrl })
          .catch(session.refusedAsInput);
        if (!submitted) {
          if (options.json) printJson({ ok: true, planId, retried: 0 });
          say(`Push ${planId}: every schedule is done; nothing to retry`);
          return;
        }
        say(`Push ${planId}: retrying the schedules that did not land`);
        if (options.wait) await session.followToReport(ctx, planId, options.json ?? false);
      });
    });
}
