import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../model/failures';
import type { SchedulePlan } from '../model/plan';
import { emptyProgress, type SyncProgress, type SyncResult } from '../model/sync-progress';
import type { AgentChange, RequestCounts, WfmCall, WfmPort } from '../wfm/port';
import { rebase } from '../wfm/rebase';

/** Well under the workflow's heartbeat timeout (20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Reads the schedule as it is now, re-applies the plan on top (rebase, never replay) and writes it conditionally, in
 * chunks, each based on the version the previous write returned. When the schedule already holds the plan, nothing is
 * written: after a lost acknowledgement, the retry lands here.
 *
 * Counts survive retries in the heartbeat details and reach the workflow in a failure's details, so the report says
 * what really happened across attempts. A version conflict goes back to the workflow, which counts it and calls
 * again for a fresh read.
 */
export async function syncScheduleWith(
  wfm: WfmPort,
  planned: SchedulePlan,
  maxAgentsPerWrite: number,
): Promise<SyncResult> {
  const ctx = Context.current();
  const progress: SyncProgress = {
    ...emptyProgress(),
    ...(ctx.info.heartbeatDetails as SyncProgress | undefined),
  };
  let pendingWrite: AgentChange[] = [];
  // The adapter counts every request it sends (and every 429) into this call's counts.
  const call: WfmCall = { signal: ctx.cancellationSignal, counts: { requests: 0, rateLimited: 0 } };
  const progressNow = () => withRequestCounts(progress, call.counts);
  // A steady heartbeat lets Temporal notice a dead worker within the heartbeat timeout, also while this sync waits
  // out a rate limit for a long time.
  const beat = setInterval(() => ctx.heartbeat(progressNow()), HEARTBEAT_EVERY_MS);
  try {
    let current = await wfm.readSchedule(planned.scheduleId, call);
    progress.firstVersionRead ??= current.version;
    const { changes, inPlace } = rebase(current.agents, planned.agents);
    settleWriteInDoubt(progress, inPlace);
    for (let i = 0; i < changes.length; i += maxAgentsPerWrite) {
      pendingWrite = changes.slice(i, i + maxAgentsPerWrite);
      current = await wfm.writeAgents(current, pendingWrite, call);
      progress.agentsChanged += pendingWrite.length;
      progress.writes++;
      pendingWrite = [];
      ctx.heartbeat(progressNow());
    }
    const result = { ...progressNow(), versionNow: current.version };
    ctx.log.info('schedule synced', { scheduleId: planned.scheduleId, ...countsOf(result) });
    return result;
  } catch (err) {
    throw withProgress(err, progressNow(), pendingWrite, ctx);
  } finally {
    clearInterval(beat);
  }
}

function withRequestCounts(progress: SyncProgress, counts: RequestCounts | undefined): SyncProgress {
  return {
    ...progress,
    requests: progress.requests + (counts?.requests ?? 0),
    rateLimitWaits: progress.rateLimitWaits + (counts?.rateLimited ?? 0),
  };
}

function countsOf({ agentsInDoubt: _, ...counts }: SyncProgress) {
  return counts;
}

/**
 * A write whose answer never came may have committed. The agents it carried that are now in place were landed by it:
 * count them as changed, not as found in place.
 */
function settleWriteInDoubt(progress: SyncProgress, inPlace: string[]): void {
  if (progress.agentsInDoubt.length === 0) return;
  const inDoubt = new Set(progress.agentsInDoubt);
  const landed = inPlace.filter((id) => inDoubt.has(id)).length;
  progress.agentsChanged += landed;
  progress.writes += landed > 0 ? 1 : 0;
  progress.agentsInDoubt = [];
}

/** Records what the failure means for the counts, keeps them for the next attempt, and hands them to the workflow. */
function withProgress(
  err: unknown,
  progress: SyncProgress,
  pendingWrite: AgentChange[],
  ctx: Context,
): unknown {
  if (!(err instanceof ApplicationFailure)) return err; // Cancellation and bugs pass through untouched.
  if (err.type === FailureType.Transient) {
    progress.transientRetries++;
    // No answer to a write: it may have committed. The next read settles it.
    if (pendingWrite.length > 0) progress.agentsInDoubt = pendingWrite.map((c) => c.agentId);
  }
  ctx.heartbeat(progress);
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? undefined,
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    category: err.category ?? undefined,
    cause: err,
    details: [progress],
  });
}
