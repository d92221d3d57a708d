import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
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
     */
    async waitForWorkflowToClose(input: { workflowId: string }): Promise<void> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
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
