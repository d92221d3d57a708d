import type { AgentDiff, DiffAction, DiffCounts, ScheduleDiff } from '../model/plan-diff';
import type { AgentPlan } from '../model/plan';
import type { NewerEditPolicy } from '../model/push-options';
import { canonicalShifts, sameShifts, type Shift } from '../model/shift';
import type { AgentState, ScheduleSnapshot } from './port';
import { rebase } from './rebase';
import { protectedReason } from '../model/agent-outcome';

/**
 * What a push of `planned` would do to the schedule as read now: the same rebase a push runs (so the diff and the
 * push can never disagree on which agents are written), then, per agent, the shifts it would add, replace and remove.
 */
export function diffSchedule(
  snapshot: Pick<ScheduleSnapshot, 'scheduleId' | 'version' | 'agents'>,
  planned: readonly AgentPlan[],
  onNewerEdit: NewerEditPolicy,
): ScheduleDiff {
  const { changes, inPlace, newerEdits, collisions } = rebase(snapshot.agents, planned, onNewerEdit);
  const collided = new Map(collisions.map(({ agentId, ...c }) => [agentId, c]));
  const written = new Set(changes.map((c) => c.agentId));
  const held = new Set(inPlace);
  const edits = new Map(newerEdits.map((e) => [e.agentId, e]));
  const live = new Map<string, AgentState>();
  for (const a of snapshot.agents) if (!live.has(a.agentId)) live.set(a.agentId, a);

  const agents = planned.map((agent): AgentDiff => {
    const now = live.get(agent.agentId);
    const edit = edits.get(agent.agentId);
    const collision = collided.get(agent.agentId);
    const push: DiffAction = written.has(agent.agentId)
      ? 'write'
      : held.has(agent.agentId)
        ? 'none'
        : collision
          ? 'protected'
          : edit?.action === 'refused'
            ? 'fail'
            : 'keep-theirs';
    return {
      agentId: agent.agentId,
      status: held.has(agent.agentId) ? 'in-place' : edit ? 'edited-since-plan' : 'changes',
      push,
      inSchedule: now !== undefined,
      ...(held.has(agent.agentId)
        ? { added: [], replaced: [], removed: [] }
        : shiftChanges(now?.shifts ?? [], agent.shifts)),
      ...(edit
        ? {
            liveShifts: edit.liveShifts,
            ...(edit.liveVersion === undefined ? {} : { liveVersion: edit.liveVersion }),
          }
        : {}),
      ...(collision ? { protectedTime: protectedReason(collision) } : {}),
    };
  });
  return {
    scheduleId: snapshot.scheduleId,
    version: snapshot.version,
    counts: countsOf(agents, planned),
    agents,
  };
}

/** Shifts matched by start instant: same start and a different length or activities is a replacement. */
export function shiftChanges(
  liveShifts: readonly Shift[],
  plannedShifts: readonly Shift[],
): Pick<AgentDiff, 'added' | 'replaced' | 'removed'> {
  const live = new Map(canonicalShifts(liveShifts).map((s) => [s.start, s]));
  const out: Pick<AgentDiff, 'added' | 'replaced' | 'removed'> = { added: [], replaced: [], removed: [] };
  for (const planned of canonicalShifts(plannedShifts)) {
    const same = live.get(planned.start);
    live.delete(planned.start);
    if (!same) out.added.push(planned);
    // Compared by meaning (length, activity and the activities laid over it), as the rebase compares them.
    else if (!sameShifts([same], [planned])) out.replaced.push({ live: same, planned });
  }
  out.removed = [...live.values()];
  return out;
}

function countsOf(agents: readonly AgentDiff[], planned: readonly AgentPlan[]): DiffCounts {
  const plannedEmpty = new Set(planned.filter((a) => a.shifts.length === 0).map((a) => a.agentId));
  // Shift counts are what the push would change: agents it would leave (keep-theirs, fail) change nothing.
  const writes = agents.filter((a) => a.push === 'write');
  return {
    agents: agents.length,
    agentsToWrite: writes.length,
    agentsInPlace: agents.filter((a) => a.status === 'in-place').length,
    agentsMissing: agents.filter((a) => !a.inSchedule).length,
    agentsCleared: writes.filter((a) => plannedEmpty.has(a.agentId) && a.removed.length > 0).length,
    agentsEditedSincePlan: agents.filter((a) => a.status === 'edited-since-plan').length,
    agentsProtected: agents.filter((a) => a.push === 'protected').length,
    shiftsAdded: writes.reduce((n, a) => n + a.added.length, 0),
    shiftsReplaced: writes.reduce((n, a) => n + a.replaced.length, 0),
    shiftsRemoved: writes.reduce((n, a) => n + a.removed.length, 0),
  };
}
