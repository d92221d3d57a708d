import { Context, type Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { maskHas, maskUnion, maskWith, maskWithout, type AgentMask } from '../model/agent-mask';
import { sleep } from '../common/sleep';
import type { NewerEdit } from '../model/agent-outcome';
import { FailureType } from '../model/failures';
import type { AgentPlan, SchedulePlan } from '../model/plan';
import type { ProtectedCollision } from '../model/protected-time';
import type { NewerEditPolicy } from '../model/push-options';
import { HEARTBEAT_EVERY_MS } from '../model/timeouts';
import { asWfmProblem } from '../model/wfm-problem';
import { emptyProgress, type SyncProgress, type SyncResult } from '../model/sync-progress';
import {
  scheduleTargetOf,
  type AgentChange,
  type RequestCounts,
  type ScheduleSnapshot,
  type WfmCall,
  type WfmPort,
  type WfmUnit,
} from '../wfm/port';
import { rebase } from '../wfm/rebase';
import { bug } from './failure-classes';
import type { PushMetrics } from './push-metrics';

export interface SyncOptions {
  /** Most agents one write carries. */
  maxAgentsPerWrite: number;
  /** What to do with agents edited since the plan was computed. Default keep-theirs. */
  onNewerEdit?: NewerEditPolicy;
  /** Agents earlier attempts of this push wrote (the workflow carries the mask from attempt to attempt). */
  appliedBefore?: AgentMask;
  /** Where conflicts and the sync's duration are counted. Default none. */
  metrics?: Pick<PushMetrics, 'conflict' | 'syncStarted' | 'syncEnded'>;
  /** The plan's tenant, for the log line (undefined: the worker's own WFM). */
  tenant?: string;
}

export interface Synced {
  /** What crosses into workflow history: counts and masks, never a document. */
  result: SyncResult;
  /** Agents edited since the plan, as the last read found them: for the result store only. */
  newerEdits: Map<string, NewerEdit>;
  /** Agents not written because their plan overlaps protected time (approved time off): for the result store only. */
  collisions: Map<string, ProtectedCollision>;
}

/**
 * Conflicts a chunk of a per-agent WFM may meet in a row, with nothing landing in between, before the sync gives the
 * conflict to the workflow (which counts it against the schedule's budget and backs off). A re-read here costs the
 * chunk's read; one in the workflow re-reads every chunk from the first, so the chunk keeps trying a while: in a busy
 * business unit (a supervisor edit every 200 ms) about half the attempts meet an edit.
 */
export const CHUNK_CONFLICTS_WITHOUT_PROGRESS = 20;

/**
 * Reads the schedule as it is now, re-applies the plan on top (rebase, never replay) and writes it conditionally.
 * When the schedule already holds the plan, nothing is written: after a lost acknowledgement, the retry lands here.
 *
 * A WFM that reads per agent (`readsPerAgent`, Genesys Cloud) is worked a chunk of planned agents at a time: read
 * those agents, rebase, write, next chunk. A version conflict there means another writer (a supervisor) moved what
 * the chunk read: the chunk is read again at once and written again, and what earlier chunks landed stays landed;
 * only `CHUNK_CONFLICTS_WITHOUT_PROGRESS` conflicts in a row go back to the workflow. Any other WFM is read whole
 * once and written in chunks, each based on the version the previous write returned; a conflict goes back to the
 * workflow, which counts it and calls again for a fresh read.
 *
 * Counts survive retries in the heartbeat details and reach the workflow in a failure's details, so the report says
 * what really happened across attempts.
 */
export async function syncScheduleWith(
  wfm: WfmPort,
  planned: SchedulePlan,
  options: SyncOptions,
): Promise<Synced> {
  const ctx = Context.current();
  const startedAtMs = performance.now();
  options.metrics?.syncStarted();
  const progress: SyncProgress = {
    ...emptyProgress(),
    ...(ctx.info.heartbeatDetails as SyncProgress | undefined),
  };
  const target = scheduleTargetOf(planned);
  const { agentIds } = target;
  const indexOf = new Map(agentIds.map((id, i) => [id, i]));
  const indexesOf = (ids: readonly string[]) => ids.flatMap((id) => indexOf.get(id) ?? []);
  progress.appliedMask = maskUnion(progress.appliedMask, options.appliedBefore);
  // A cancellation the workflow asks for (a newer plan takes the schedule over, an operator cancels) stops the sync at
  // its next safe point: at once while it reads or waits, but a write in flight finishes and is confirmed first. Any
  // other end of the activity (the worker shutting down, a timeout) aborts at once, as a lost answer is harmless.
  const stop = new AbortController();
  let writing = false;
  let stopAfterWrite = false;
  const askedToStop = () => ctx.cancellationDetails?.cancelRequested === true;
  const onCancel = () => {
    if (writing && askedToStop()) stopAfterWrite = true;
    else stop.abort(ctx.cancellationSignal.reason);
  };
  if (ctx.cancellationSignal.aborted) onCancel();
  else ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  // The adapter counts every request it sends (and every 429) into this call's counts.
  const call: WfmCall = { signal: stop.signal, counts: { requests: 0, rateLimited: 0 } };
  const progressNow = () => withRequestCounts(progress, call.counts);
  /** The end at a safe point, with what the sync wrote (confirmed) for the workflow's line. */
  const stopped = () =>
    new CancelledFailure(
      'the sync stopped at a safe point, as its workflow asked; every write it sent is confirmed',
      [{ ...progressNow(), agentsToLand: [] }],
    );
  const chunkSize = Math.max(1, Math.min(options.maxAgentsPerWrite, wfm.maxAgentsPerWrite ?? Infinity));
  const newerEdits = new Map<string, NewerEdit & { agentId: string }>();
  const collisions = new Map<string, ProtectedCollision>();

  /** Reads `agents`, rebases them, and records what the read found for them (masks, counts, outcomes' facts). */
  const readAndRebase = async (agents: readonly AgentPlan[], unit?: WfmUnit) => {
    const snapshot = await wfm.readSchedule(
      { ...target, agentIds: agents.map((a) => a.agentId) },
      unit?.call ?? call,
    );
    progress.firstVersionRead ??= snapshot.version;
    // Agents this push wrote before (earlier attempts, or earlier chunks before a retry): in a per-agent WFM (Genesys),
    // one that differs now was edited by a supervisor since, and is left. (The REST contract's invariant checker still
    // expects the final version to hold every planned agent; taking the same rule there is for its next change.)
    const written = new Set(
      wfm.readsPerAgent
        ? agents
            .filter((a) => maskHas(progress.appliedMask, indexOf.get(a.agentId) ?? -1))
            .map((a) => a.agentId)
        : [],
    );
    const rebased = rebase(snapshot.agents, agents, options.onNewerEdit, written);
    const ids = agents.map((a) => a.agentId);
    const here = indexesOf(ids);
    settleEarlierWrites(progress, ids, rebased.inPlace, indexesOf);
    for (const id of ids) {
      newerEdits.delete(id);
      collisions.delete(id);
    }
    for (const edit of rebased.newerEdits) newerEdits.set(edit.agentId, edit);
    for (const { agentId, ...collision } of rebased.collisions) collisions.set(agentId, collision);
    const leftToTheirs = rebased.newerEdits.filter((e) => e.action !== 'overwritten');
    // An agent this push wrote earlier and someone edited again since holds their edit now, not the plan.
    progress.appliedMask = maskWithout(
      progress.appliedMask ?? '',
      indexesOf(leftToTheirs.map((e) => e.agentId)),
    );
    const replace = (mask: AgentMask | undefined, now: readonly string[]) =>
      maskWith(maskWithout(mask ?? '', here), indexesOf(now));
    progress.inPlaceMask = replace(progress.inPlaceMask, rebased.inPlace);
    progress.keptMask = replace(
      progress.keptMask,
      leftToTheirs.filter((e) => e.action === 'kept').map((e) => e.agentId),
    );
    progress.protectedMask = replace(
      progress.protectedMask,
      rebased.collisions.map((c) => c.agentId),
    );
    const edits = [...newerEdits.values()];
    progress.agentsKeptTheirs = edits.filter((e) => e.action === 'kept').length;
    progress.agentsNewerEditRefused = edits.filter((e) => e.action === 'refused').length;
    progress.agentsProtected = collisions.size;
    return { snapshot, changes: rebased.changes };
  };

  /** Writes `changes` onto `base` in chunks; each chunk's agents count as landed once its write returns. */
  const writeChunks = async (base: ScheduleSnapshot, changes: AgentChange[], unit?: WfmUnit) => {
    const changing = new Set(changes.map((c) => c.agentId));
    // Before any write: if this worker dies mid-write, the next attempt knows which agents a write may have landed.
    // (A first heartbeat goes out at once; later ones are batched by the SDK.)
    progress.agentsToLand = [...progress.agentsToLand.filter((id) => !changing.has(id)), ...changing];
    ctx.heartbeat(progressNow());
    let current = base;
    for (let i = 0; i < changes.length; i += chunkSize) {
      const chunk = changes.slice(i, i + chunkSize);
      writing = true;
      try {
        current = await wfm.writeAgents(current, chunk, unit?.call ?? call);
      } finally {
        writing = false;
      }
      if (current.published !== undefined) progress.published = current.published;
      progress.agentsChanged += chunk.length;
      progress.writes++;
      progress.failingSinceMs = undefined;
      const written = new Set(chunk.map((c) => c.agentId));
      progress.appliedMask = maskWith(progress.appliedMask ?? '', indexesOf([...written]));
      progress.agentsToLand = progress.agentsToLand.filter((id) => !written.has(id));
      ctx.heartbeat(progressNow());
      // Asked to stop while this write was in flight: it is confirmed; the next chunk is not sent.
      if (stopAfterWrite && i + chunkSize < changes.length) throw stopped();
    }
    return current.version;
  };

  // A read and the writes based on it are one unit at the rate limiter (when the WFM offers it): once the read goes,
  // the writes follow it at once instead of queuing behind other schedules' reads, so the version read is as fresh as
  // the network allows when it is written with.
  const readWriteUnit = (writes: number) => wfm.readWriteUnit?.(writes, call);

  // A steady heartbeat lets Temporal notice a dead worker within the heartbeat timeout, also while this sync waits
  // out a rate limit for a long time.
  const beat = setInterval(() => ctx.heartbeat(progressNow()), HEARTBEAT_EVERY_MS);
  try {
    let versionNow: string | undefined;
    if (!wfm.readsPerAgent) {
      const unit = await readWriteUnit(Math.ceil(planned.agents.length / chunkSize));
      try {
        const { snapshot, changes } = await readAndRebase(planned.agents, unit);
        versionNow = await writeChunks(snapshot, changes, unit);
      } finally {
        unit?.release();
      }
    } else {
      for (let i = 0; i < planned.agents.length; i += chunkSize) {
        if (stopAfterWrite || stop.signal.aborted) throw stopped();
        const agents = planned.agents.slice(i, i + chunkSize);
        for (let conflictsInARow = 0; ;) {
          const unit = await readWriteUnit(1);
          try {
            const { snapshot, changes } = await readAndRebase(agents, unit);
            versionNow = await writeChunks(snapshot, changes, unit);
            break;
          } catch (err) {
            unit?.release();
            if (!isVersionConflict(err) || ++conflictsInARow >= CHUNK_CONFLICTS_WITHOUT_PROGRESS) throw err;
            progress.conflicts = (progress.conflicts ?? 0) + 1;
            options.metrics?.conflict();
            ctx.heartbeat(progressNow());
            // Another writer moved the chunk between its read and its write: read again at once the first time, then
            // after a short random pause, so two writers in step fall out of it.
            if (conflictsInARow > 1)
              await sleep(Math.random() * Math.min(1000, 50 * 2 ** conflictsInARow), ctx.cancellationSignal);
          } finally {
            unit?.release();
          }
        }
      }
    }
    progress.failingSinceMs = undefined;
    const result = { ...progressNow(), versionNow: versionNow ?? progress.firstVersionRead ?? '' };
    ctx.log.info('schedule synced', {
      scheduleId: planned.scheduleId,
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...countsOf(result),
    });
    return {
      result,
      newerEdits: new Map([...newerEdits.values()].map(({ agentId, ...edit }) => [agentId, edit])),
      collisions,
    };
  } catch (err) {
    if (err instanceof CancelledFailure) throw err;
    if ((stop.signal.aborted || stopAfterWrite) && askedToStop()) throw stopped();
    if (isVersionConflict(err)) options.metrics?.conflict();
    throw withProgress(err, progressNow(), ctx);
  } finally {
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
    clearInterval(beat);
    options.metrics?.syncEnded((performance.now() - startedAtMs) / 1000);
  }
}

function isVersionConflict(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === FailureType.VersionConflict;
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
  protectedMask: _p,
  failingSinceMs: _f,
  ...counts
}: SyncProgress) {
  return counts;
}

/**
 * Agents an earlier attempt set out to write (a write whose answer was lost, or a worker that died mid-write) and that
 * are in place now were landed by that write: count them as changed, not as found in place. `readIds` are the agents
 * this read covered; the others stay to be settled by the read that covers them.
 */
function settleEarlierWrites(
  progress: SyncProgress,
  readIds: readonly string[],
  inPlace: readonly string[],
  indexesOf: (ids: readonly string[]) => number[],
): void {
  if (progress.agentsToLand.length === 0) return;
  const toLand = new Set(progress.agentsToLand);
  const landed = inPlace.filter((id) => toLand.has(id));
  progress.agentsChanged += landed.length;
  progress.writes += landed.length > 0 ? 1 : 0;
  progress.appliedMask = maskWith(progress.appliedMask ?? '', indexesOf(landed));
  const read = new Set(readIds);
  progress.agentsToLand = progress.agentsToLand.filter((id) => !read.has(id));
}

/**
 * Records what the failure means for the counts, keeps them for the next attempt (in the heartbeat), and hands them to
 * the workflow. The adapter's failure is not wrapped in another but copied (its cause and stack kept): Temporal keeps
 * at most 4 KB of a retrying activity's failure and replaces a larger one with "Failure exceeds size limit.". For the
 * same reason only a failure the workflow will see (non-retryable, or the last attempt) carries the agent masks (those
 * of a 5,000-agent schedule alone pass 4 KB); a retrying failure carries the counts and what the WFM did (a
 * `WfmProblem`, with since when), for `status`, `watch` and the UI.
 */
function withProgress(thrown: unknown, progress: SyncProgress, ctx: Context): unknown {
  if (ctx.cancellationSignal.aborted && !(thrown instanceof ApplicationFailure)) return thrown;
  // Anything the adapters did not classify is a bug of ours (a TypeError, our own schema refusing what we built): it
  // fails the schedule at once as Bug, with what had landed, instead of fifty attempts of the same mistake.
  const err = thrown instanceof ApplicationFailure ? thrown : bug(thrown, 'sync');
  if (err.type === FailureType.Transient) progress.transientRetries++;
  const problem = asWfmProblem(err.details?.[0]);
  if (problem) progress.failingSinceMs ??= Date.now();
  ctx.heartbeat(progress);
  // The agent list is for the next attempt of this activity (it has it from the heartbeat): the workflow needs only
  // the counts and masks, and a list of agent IDs in a failure would land in its history.
  const details = reachesWorkflow(err, ctx.info)
    ? { ...progress, agentsToLand: [] }
    : { ...countsOf(progress), agentsToLand: [] };
  const failure = ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? undefined,
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    category: err.category ?? undefined,
    cause: err.cause,
    details: problem ? [details, { ...problem, sinceMs: progress.failingSinceMs }] : [details],
  });
  // Where the adapter classified it, in a few frames: a whole stack is most of what Temporal would have to keep.
  failure.stack = err.stack?.split('\n').slice(0, 6).join('\n');
  return failure;
}

/** Will the workflow see this failure (rather than Temporal retrying the activity)? */
function reachesWorkflow(err: ApplicationFailure, info: Info): boolean {
  const policy = info.retryPolicy;
  if (err.nonRetryable || !policy) return true;
  if (err.type && policy.nonRetryableErrorTypes?.includes(err.type)) return true;
  const max = policy.maximumAttempts ?? 0;
  return max > 0 && info.attempt >= max;
}
