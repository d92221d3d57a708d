import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { maskOf, maskUnion, maskWith, maskWithout, type AgentMask } from '../model/agent-mask';
import type { NewerEdit } from '../model/agent-outcome';
import { FailureType } from '../model/failures';
import type { SchedulePlan } from '../model/plan';
import type { NewerEditPolicy } from '../model/push-options';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { emptyProgress, type SyncProgress, type SyncResult } from '../model/sync-progress';
import { scheduleTargetOf, type RequestCounts, type WfmCall, type WfmPort } from '../wfm/port';
import { rebase } from '../wfm/rebase';

export interface SyncOptions {
  /** Most agents one write carries. */
  maxAgentsPerWrite: number;
  /** What to do with agents edited since the plan was computed. Default keep-theirs. */
  onNewerEdit?: NewerEditPolicy;
  /** Agents earlier attempts of this push wrote (the workflow carries the mask from attempt to attempt). */
  appliedBefore?: AgentMask;
}

export interface Synced {
  /** What crosses into workflow history: counts and masks, never a document. */
  result: SyncResult;
  /** Agents edited since the plan, as the last read found them: for the result store only. */
  newerEdits: Map<string, NewerEdit>;
}

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
  options: SyncOptions,
): Promise<Synced> {
  const ctx = Context.current();
  const progress: SyncProgress = {
    ...emptyProgress(),
    ...(ctx.info.heartbeatDetails as SyncProgress | undefined),
  };
  const target = scheduleTargetOf(planned);
  const { agentIds } = target;
  const indexOf = new Map(agentIds.map((id, i) => [id, i]));
  const indexesOf = (ids: readonly string[]) => ids.flatMap((id) => indexOf.get(id) ?? []);
  progress.appliedMask = maskUnion(progress.appliedMask, options.appliedBefore);
  // The adapter counts every request it sends (and every 429) into this call's counts.
  const call: WfmCall = { signal: ctx.cancellationSignal, counts: { requests: 0, rateLimited: 0 } };
  const progressNow = () => withRequestCounts(progress, call.counts);
  // A steady heartbeat lets Temporal notice a dead worker within the heartbeat timeout, also while this sync waits
  // out a rate limit for a long time.
  const beat = setInterval(() => ctx.heartbeat(progressNow()), HEARTBEAT_EVERY_MS);
  try {
    let current = await wfm.readSchedule(target, call);
    progress.firstVersionRead ??= current.version;
    const { changes, inPlace, newerEdits } = rebase(current.agents, planned.agents, options.onNewerEdit);
    settleEarlierWrites(progress, inPlace, indexesOf);
    const leftToTheirs = newerEdits.filter((e) => e.action !== 'overwritten');
    // An agent this push wrote earlier and someone edited again since holds their edit now, not the plan.
    progress.appliedMask = maskWithout(progress.appliedMask, indexesOf(leftToTheirs.map((e) => e.agentId)));
    progress.inPlaceMask = maskOf(agentIds, inPlace);
    const kept = leftToTheirs.filter((e) => e.action === 'kept');
    progress.keptMask = maskOf(
      agentIds,
      kept.map((e) => e.agentId),
    );
    progress.agentsKeptTheirs = kept.length;
    progress.agentsNewerEditRefused = leftToTheirs.filter((e) => e.action === 'refused').length;
    progress.agentsToLand = changes.map((c) => c.agentId);
    // Before any write: if this worker dies mid-write, the next attempt knows which agents a write may have landed.
    // (A first heartbeat goes out at once; later ones are batched by the SDK.)
    ctx.heartbeat(progressNow());
    for (let i = 0; i < changes.length; i += options.maxAgentsPerWrite) {
      const chunk = changes.slice(i, i + options.maxAgentsPerWrite);
      current = await wfm.writeAgents(current, chunk, call);
      progress.agentsChanged += chunk.length;
      progress.writes++;
      const written = new Set(chunk.map((c) => c.agentId));
      progress.appliedMask = maskWith(progress.appliedMask, indexesOf([...written]));
      progress.agentsToLand = progress.agentsToLand.filter((id) => !written.has(id));
      ctx.heartbeat(progressNow());
    }
    const result = { ...progressNow(), versionNow: current.version };
    ctx.log.info('schedule synced', { scheduleId: planned.scheduleId, ...countsOf(result) });
    return {
      result,
      newerEdits: new Map(newerEdits.map(({ agentId, ...edit }) => [agentId, edit])),
    };
  } catch (err) {
    throw withProgress(err, progressNow(), ctx);
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

function countsOf({
  agentsToLand: _,
  appliedMask: _a,
  inPlaceMask: _i,
  keptMask: _k,
  ...counts
}: SyncProgress) {
  return counts;
}

/**
 * Agents an earlier attempt set out to write (a write whose answer was lost, or a worker that died mid-write) and that
 * are in place now were landed by that write: count them as changed, not as found in place.
 */
function settleEarlierWrites(
  progress: SyncProgress,
  inPlace: string[],
  indexesOf: (ids: readonly string[]) => number[],
): void {
  if (progress.agentsToLand.length === 0) return;
  const toLand = new Set(progress.agentsToLand);
  const landed = inPlace.filter((id) => toLand.has(id));
  progress.agentsChanged += landed.length;
  progress.writes += landed.length > 0 ? 1 : 0;
  progress.appliedMask = maskWith(progress.appliedMask ?? '', indexesOf(landed));
  progress.agentsToLand = [];
}

/** Records what the failure means for the counts, keeps them for the next attempt, and hands them to the workflow. */
function withProgress(err: unknown, progress: SyncProgress, ctx: Context): unknown {
  if (!(err instanceof ApplicationFailure)) return err; // Cancellation and bugs pass through untouched.
  if (err.type === FailureType.Transient) progress.transientRetries++;
  ctx.heartbeat(progress);
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? undefined,
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    category: err.category ?? undefined,
    cause: err,
    // The agent list is for the next attempt of this activity (it has it from the heartbeat): the workflow needs only
    // the counts and masks, and a list of agent IDs in a failure would land in its history.
    details: [{ ...progress, agentsToLand: [] }],
  });
}
