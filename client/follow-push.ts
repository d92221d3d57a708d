import {
  CancelledFailure,
  isGrpcDeadlineError,
  ServiceError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { sleep } from '../common/sleep';
import type { PushReport, PushState } from '../model/report';
import type { bulkPush } from '../workflows/bulk-push';
import { progressQuery, type PushProgress } from '../workflows/messages';
import type { PushContext } from './context';
import { pushHandle } from './push-handle';
import { pushReport } from './push-report';

/** How long a progress query may wait for a worker to answer. */
const PROGRESS_QUERY_DEADLINE_MS = 3_000;

/**
 * Progress of a running push; undefined when no worker answers the query within a few seconds. Any other failure
 * (authentication, a lost connection, no such push) is thrown: it is not the same as a missing worker.
 */
export async function pushProgress(
  client: Client,
  planId: string,
  tenant?: string,
): Promise<PushProgress | undefined> {
  // Without a deadline a query waits as long as no worker polls, and the caller shows nothing meanwhile.
  const deadline = Date.now() + PROGRESS_QUERY_DEADLINE_MS;
  try {
    return await client.withDeadline(deadline, () => pushHandle(client, planId, tenant).query(progressQuery));
  } catch (err) {
    // The server reports the deadline in more than one way ("Failed to query Workflow" wrapping it, or the gRPC
    // status itself); a failure that arrives only once our deadline has passed is that deadline.
    if (isDeadline(err) || Date.now() >= deadline) return undefined;
    throw err;
  }
}

/**
 * A query no worker answered: gRPC DEADLINE_EXCEEDED (4), or CANCELLED (1), which the server answers when the worker
 * that took the query went away (killed mid-push). Anywhere in the cause chain, with or without gRPC metadata.
 */
function isDeadline(err: unknown): boolean {
  if (isGrpcDeadlineError(err)) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 4 || code === 1) return true;
  }
  return false;
}

/**
 * Follows the push until it ends, calling `onProgress` about every `intervalMs` (with undefined while no worker
 * answers the progress query), then returns its report.
 */
export async function waitForReport(
  ctx: Omit<PushContext, 'taskQueue'>,
  planId: string,
  onProgress: (p: PushProgress | undefined) => void = () => {},
  intervalMs = 1000,
  /** The plan's tenant, when it names one: a plan ID is unique per tenant. */
  tenant?: string,
): Promise<PushReport> {
  let ended = false;
  const result = untilEnded(pushHandle(ctx.client, planId, tenant));
  // Its failure (not a lost connection) ends the loop below by rejecting the race.
  result.then(
    () => (ended = true),
    () => (ended = true),
  );
  // The pause between progress queries ends with the push: a timer left running would hold the process up to a second.
  const pauses = new AbortController();
  try {
    while (!ended) {
      const progress = await pushProgress(ctx.client, planId, tenant);
      onProgress(progress);
      await Promise.race([result, sleep(intervalMs, pauses.signal).catch(() => undefined)]);
    }
  } finally {
    pauses.abort();
  }
  // How it ended is known from its result: the report skips asking the server (a describe costs a CLI tens of ms).
  const report = await pushReport(ctx, planId, tenant, await result);
  if (!report) throw new Error(`push ${planId} ended but has no manifest in this store`);
  return report;
}

/**
 * Resolves when the push has ended, however it ended, with how it ended (the report needs no look of its own):
 * result() follows continue-as-new to the last run, and a cancelled or failed push still has a report. A lost
 * connection (the server restarting) is no end: ask again.
 */
async function untilEnded(handle: WorkflowHandle<typeof bulkPush>): Promise<PushState | undefined> {
  for (;;) {
    try {
      await handle.result();
      return 'completed';
    } catch (err) {
      if (err instanceof WorkflowFailedError) return endedAs(err);
      if (err instanceof WorkflowNotFoundError) return undefined;
      if (!(err instanceof ServiceError)) throw err;
      await sleep(1000);
    }
  }
}

/** How a push whose result failed ended: as `stateOf` would say it. */
function endedAs(err: WorkflowFailedError): PushState {
  if (err.cause instanceof CancelledFailure) return 'cancelled';
  if (err.cause instanceof TerminatedFailure) return 'terminated';
  if (err.cause instanceof TimeoutFailure) return 'timed-out';
  return 'failed';
}
