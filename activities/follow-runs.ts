import { Context, log } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { bulkPushWorkflowId } from '../model/names';
import {
  SUPERSEDE_MESSAGES,
  supersedes,
  type PushIdentity,
  type SupersedeAnswer,
  type SupersedingPlan,
} from '../model/supersede';
import { ApplicationFailure } from '@temporalio/common';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { FailureType } from '../model/failures';

/** A workflow run that a bulk push follows: a child started by one of its earlier runs. */
export interface RunToFollow {
  workflowId: string;
  runId: string;
}

/** How a followed run ended, as its parent would have learnt it from the run's result. */
export interface RunEnded {
  workflowId: string;
  runId: string;
  /** What the run returned, when it completed. */
  result?: unknown;
  /** Why it did not complete: the failure's type (an ApplicationFailure's, or how Temporal ended it), its message and details. */
  failure?: { type: string; message: string; details?: unknown[] };
}

/**
 * Once one followed run has closed, how long to gather others that close too before answering: fewer round trips in
 * the bulk push's history when many close together.
 */
const GATHER_ENDED_RUNS_MS = 500;

/**
 * The activities that follow other workflows for a bulk push (workflow task queue; no WFM call): the push that holds a
 * schedule, and the children an earlier run of the push handed over at continue-as-new.
 */
export function createRunFollowing(temporal: Client) {
  return {
    /**
     * Waits until the workflow `workflowId` (another push's schedule push) has closed, however it ends. Long-polls
     * its result and heartbeats meanwhile; returns at once if it is closed or unknown.
     *
     * Given who asks (`claimant`, see model/supersede.ts): a holder whose push supersedes the claimant's is not waited
     * for, the schedule is left to it (`supersededBy`); a holder the claimant supersedes is asked to stop at its next
     * safe point, and its push is told which schedules the claimant's plan takes over; then the wait is as above.
     */
    async waitForWorkflowToClose(input: {
      workflowId: string;
      claimant?: SupersedingPlan;
    }): Promise<{ supersededBy?: string } | undefined> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        if (input.claimant) {
          const taken = await takeOver(temporal, input.workflowId, input.claimant);
          if (taken) return { supersededBy: taken };
        }
        await temporal
          .withAbortSignal(ctx.cancellationSignal, () =>
            temporal.workflow.getHandle(input.workflowId).result(),
          )
          .catch((err: unknown) => {
            if (ctx.cancellationSignal.aborted) throw err;
            // It failed, was cancelled or terminated, or is gone: either way it no longer holds the schedule.
          });
      } finally {
        clearInterval(beat);
      }
      return undefined;
    },

    /**
     * A push that supersedes tells the pushes it takes over (every running push on its task queue with `supersede`,
     * or the one its plan names) which schedules it takes, before it starts any: they leave those they have not
     * started to it. Returns the running pushes that supersede it in turn (newer plans), whose schedules it leaves.
     */
    async announceSupersede(input: {
      claimant: SupersedingPlan;
      taskQueue: string;
    }): Promise<SupersedingPlan[]> {
      const { claimant } = input;
      const workflowIds: string[] = [];
      if (claimant.supersede) {
        const query = `WorkflowType = "bulkPush" AND ExecutionStatus = "Running" AND TaskQueue = ${JSON.stringify(input.taskQueue)}`;
        for await (const run of temporal.workflow.list({ query })) workflowIds.push(run.workflowId);
        // A plan supersedes a plan of its own tenant: the plan ID it names is one of that tenant's.
      } else if (claimant.supersedes)
        workflowIds.push(bulkPushWorkflowId(claimant.supersedes, claimant.tenant));
      const newer: SupersedingPlan[] = [];
      for (const workflowId of workflowIds) {
        if (workflowId === bulkPushWorkflowId(claimant.planId, claimant.tenant)) continue;
        const other = await identityOf(temporal, workflowId);
        if (!other) continue;
        if (supersedes(claimant, other)) await announceTo(temporal, workflowId, other.planId, claimant);
        else if (other.planRef !== undefined && supersedes(other, claimant))
          newer.push({ ...other, planRef: other.planRef });
      }
      return newer;
    },

    /**
     * Waits until at least one of these workflow runs has closed (and briefly for others closing with it), and says
     * how each closed one ended. Long-polls every run's result at once and heartbeats meanwhile; a run the server no
     * longer knows (its retention ran out) counts as closed, so that nobody waits for it for ever.
     */
    async waitForRunsToClose(input: { runs: RunToFollow[] }): Promise<RunEnded[]> {
      if (input.runs.length === 0) return [];
      const ctx = Context.current();
      const answered = new AbortController();
      // Every poll ends when the activity is cancelled, or once this answer is given.
      const signal = AbortSignal.any([ctx.cancellationSignal, answered.signal]);
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await new Promise<RunEnded[]>((resolve, reject) => {
          const ended: RunEnded[] = [];
          let gathering: NodeJS.Timeout | undefined;
          for (const run of input.runs) {
            howRunEnded(temporal, run, signal).then((end) => {
              if (!end) return reject(ctx.cancellationSignal.reason);
              ended.push(end);
              gathering ??= setTimeout(() => resolve(ended), GATHER_ENDED_RUNS_MS);
            }, reject);
          }
        });
      } finally {
        answered.abort();
        clearInterval(beat);
      }
    },
  };
}

/**
 * Asks the holder of a schedule to stop if the claimant supersedes it (and tells the holder's push); returns the
 * holder's plan ID when the holder supersedes the claimant instead, so the claimant leaves the schedule to it.
 */
async function takeOver(
  temporal: Client,
  workflowId: string,
  claimant: SupersedingPlan,
): Promise<string | undefined> {
  const handle = temporal.workflow.getHandle(workflowId);
  let holder: PushIdentity;
  try {
    holder = await handle.query<PushIdentity>(SUPERSEDE_MESSAGES.scheduleHolder);
  } catch (err) {
    // Closed, gone, or a run from before `--supersede` (no such query): it is waited for as before.
    log.info('the holder of the schedule does not say which push it is; waiting for it', {
      workflowId,
      err: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
  if (supersedes(holder, claimant)) return holder.planId;
  if (!supersedes(claimant, holder)) return undefined;
  try {
    await handle.executeUpdate<SupersedeAnswer, [PushIdentity]>(SUPERSEDE_MESSAGES.supersedeSchedule, {
      args: [identityOnly(claimant)],
    });
  } catch (err) {
    // It closed meanwhile, or refused: either way the wait below ends when it lets the schedule go.
    log.info('the holder of the schedule did not take the request to stop', {
      workflowId,
      err: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
  await announceTo(temporal, bulkPushWorkflowId(holder.planId, holder.tenant), holder.planId, claimant);
  return undefined;
}

/** Tells an older push that the claimant takes over the schedules its plan names. A push that ended needs no telling. */
async function announceTo(
  temporal: Client,
  workflowId: string,
  planId: string,
  claimant: SupersedingPlan,
): Promise<void> {
  await temporal.workflow
    .getHandle(workflowId)
    .executeUpdate<{ planId: string }, [SupersedingPlan]>(SUPERSEDE_MESSAGES.supersedePush, {
      args: [claimant],
    })
    .catch((err: unknown) =>
      log.info('a push was not told that a newer plan takes it over', {
        planId,
        err: err instanceof Error ? err.message : String(err),
      }),
    );
}

async function identityOf(
  temporal: Client,
  workflowId: string,
): Promise<(PushIdentity & { planRef?: string }) | undefined> {
  try {
    return await temporal.workflow
      .getHandle(workflowId)
      .query<PushIdentity & { planRef?: string }>(SUPERSEDE_MESSAGES.pushIdentity);
  } catch {
    // Ended, or from before `--supersede`: nothing to tell it.
    return undefined;
  }
}

function identityOnly({
  planId,
  submittedAtMs,
  supersede,
  supersedes: named,
  tenant,
}: PushIdentity): PushIdentity {
  return { planId, submittedAtMs, supersede, supersedes: named, ...(tenant === undefined ? {} : { tenant }) };
}

/** How the run ended, once it has; undefined when the wait was called off. */
async function howRunEnded(
  temporal: Client,
  { workflowId, runId }: RunToFollow,
  signal: AbortSignal,
): Promise<RunEnded | undefined> {
  const handle = temporal.workflow.getHandle(workflowId, runId, { followRuns: false });
  try {
    const result: unknown = await temporal.withAbortSignal(signal, () => handle.result());
    return { workflowId, runId, result };
  } catch (err) {
    if (signal.aborted) return undefined;
    if (err instanceof WorkflowNotFoundError)
      return {
        workflowId,
        runId,
        failure: { type: FailureType.NotFound, message: `workflow run ${runId} is gone` },
      };
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    return {
      workflowId,
      runId,
      failure: {
        // An ApplicationFailure carries its own type; Temporal's own endings (terminated, cancelled, timed out) are
        // named by their class.
        type: cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'Error'),
        message: cause?.message ?? err.message,
        details: cause instanceof ApplicationFailure ? (cause.details ?? undefined) : undefined,
      },
    };
  }
}
