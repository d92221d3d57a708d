import { maskCount, maskIntersection } from './agent-mask';
import { newerEditFailure } from './agent-outcome';
import { FailureType } from './failures';
import type { ScheduleResult } from './report';
import type { SyncProgress, SyncResult } from './sync-progress';

/**
 * Adds what one sync (completed or failed) did to a schedule's line. Pure, and shared by the schedule push workflow
 * and the sync activity, so the line the activity stores and the line the workflow returns are the same line.
 */
export function addSyncCounts(result: ScheduleResult, p: SyncProgress): void {
  result.versionBefore ??= p.firstVersionRead ?? null;
  // The applied mask covers every attempt so far; older progress without it only has this attempt's count.
  result.agentsChanged =
    p.appliedMask === undefined ? result.agentsChanged + p.agentsChanged : maskCount(p.appliedMask);
  result.writes += p.writes;
  // Heartbeat details of syncs that ran before requests were counted lack the field.
  result.requests = (result.requests ?? 0) + (p.requests ?? 0);
  result.rateLimitWaits += p.rateLimitWaits;
  result.transientRetries += p.transientRetries;
  // Conflicts the sync resolved itself (re-reading a chunk); the workflow counts the ones it sees.
  result.conflicts += p.conflicts ?? 0;
}

/**
 * The line of a schedule whose sync completed: `prior` is the line before this sync (earlier attempts' counts, the
 * conflicts and attempts so far). Agents refused because someone edited them since the plan (`fail`) make the
 * schedule failed; the others landed.
 */
export function settledResult(prior: ScheduleResult, sync: SyncResult): ScheduleResult {
  const result: ScheduleResult = { ...prior };
  addSyncCounts(result, sync);
  const planned = result.agentsPlanned;
  result.versionAfter = sync.versionNow;
  result.agentsChanged = Math.min(result.agentsChanged, planned);
  const kept = sync.agentsKeptTheirs ?? 0;
  const refused = sync.agentsNewerEditRefused ?? 0;
  const protectedAgents = sync.agentsProtected ?? 0;
  if (kept > 0) result.agentsKeptTheirs = kept;
  if (protectedAgents > 0) result.agentsProtected = protectedAgents;
  if (sync.published) result.published = true;
  result.agentsAlreadyInPlace = Math.max(
    0,
    planned - result.agentsChanged - kept - refused - protectedAgents,
  );
  if (refused > 0) {
    result.outcome = 'failed';
    result.failure = {
      type: FailureType.NewerEdit,
      message: `${refused} agent(s) ${newerEditFailure({ liveShifts: [], action: 'refused' }).message}; the other agents landed (see report --agents)`,
    };
  } else result.outcome = result.agentsChanged > 0 ? 'landed' : 'already-in-place';
  return result;
}

/** On a failed schedule's line: agents left to someone's newer edit (keep-theirs) at the sync's last read. */
export function keptAtLastRead(p: SyncProgress | undefined): number {
  return p?.keptMask === undefined ? 0 : maskCount(p.keptMask);
}

/** On a failed schedule's line: agents whose plan overlaps protected time, at the sync's last read. */
export function protectedAtLastRead(p: SyncProgress | undefined): number {
  return p?.protectedMask === undefined ? 0 : maskCount(p.protectedMask);
}

/** On a failed schedule's line: the agents that held the plan at the sync's last read (none written by the push). */
export function inPlaceAtLastRead(p: SyncProgress | undefined): number {
  if (p?.inPlaceMask === undefined) return 0;
  return maskCount(p.inPlaceMask) - maskCount(maskIntersection(p.inPlaceMask, p.appliedMask ?? ''));
}
