import type { NewerEdit } from '../model/agent-outcome';
import type { AgentPlan } from '../model/plan';
import type { NewerEditPolicy } from '../model/push-options';
import { collisionOf, type ProtectedCollision } from '../model/protected-time';
import { canonicalShifts, sameShifts, type Shift } from '../model/shift';
import type { AgentChange, AgentState } from './port';

export interface Rebase {
  /** Planned agents whose current shifts differ from the plan: what must be written. */
  changes: AgentChange[];
  /** Planned agents that already hold the planned shifts. */
  inPlace: string[];
  /**
   * Planned agents that differ from the plan and whose live state no longer matches the plan's `basedOn`: someone
   * edited them after the plan was computed. `action` says what the policy made of each (`overwritten` ones are also
   * in `changes`).
   */
  newerEdits: Array<NewerEdit & { agentId: string }>;
  /**
   * Planned agents that differ from the plan and whose plan overlaps time nobody but its owner may change (approved
   * time off, an activity booked by another system): never written, whatever the newer-edit policy.
   */
  collisions: Array<ProtectedCollision & { agentId: string }>;
  /** Agents this push wrote before and someone edited since: left as they are, still counted as applied. */
  editedAfterWrite: string[];
}

/**
 * Re-applies the plan to the schedule as it is now. Only planned agents can appear in `changes`; an agent the
 * schedule lacks and the plan leaves without shifts already holds its planned state. An agent already in place is
 * in place whatever its `basedOn` says; one that differs from the plan and from its `basedOn` is a newer edit, and
 * `onNewerEdit` decides whether it is written (plan-wins) or left (keep-theirs, fail). Without `basedOn` an agent is
 * written as before.
 */
export function rebase(
  current: readonly AgentState[],
  planned: readonly AgentPlan[],
  onNewerEdit: NewerEditPolicy = 'keep-theirs',
  /**
   * Agents this push has already written (an earlier attempt, or an earlier chunk before a retry). One that no longer
   * holds the plan was edited by someone after the push wrote it: that edit is kept (action `kept`), whatever the
   * policy, because writing the plan again would apply it twice and lose their edit (docs/design.md invariants 3 and 6).
   * It is listed in `editedAfterWrite`: the push's change landed; what happened to the agent since is theirs.
   */
  writtenByThisPush: ReadonlySet<string> = new Set(),
): Rebase {
  // A server may list an agent twice; the agent is in place only when every entry holds the plan.
  const entries = new Map<string, AgentState[]>();
  for (const a of current) entries.set(a.agentId, [...(entries.get(a.agentId) ?? []), a]);
  const out: Rebase = { changes: [], inPlace: [], newerEdits: [], collisions: [], editedAfterWrite: [] };
  for (const agent of planned) {
    const now = entries.get(agent.agentId) ?? [];
    const liveEntries = now.length > 0 ? now : [{ agentId: agent.agentId, shifts: [] as Shift[] }];
    if (liveEntries.every((e) => sameShifts(e.shifts, agent.shifts))) {
      out.inPlace.push(agent.agentId);
      continue;
    }
    const collision = collisionOf(
      agent.shifts,
      liveEntries.flatMap((e) => e.protectedTime ?? []),
    );
    if (collision) {
      out.collisions.push({ agentId: agent.agentId, ...collision });
      continue;
    }
    if (writtenByThisPush.has(agent.agentId)) {
      out.editedAfterWrite.push(agent.agentId);
      continue;
    }
    const { basedOn } = agent;
    const edited = basedOn !== undefined && !liveEntries.every((e) => matchesBasedOn(e, basedOn));
    if (edited) {
      const action =
        onNewerEdit === 'plan-wins' ? 'overwritten' : onNewerEdit === 'keep-theirs' ? 'kept' : 'refused';
      out.newerEdits.push({ ...liveEdit(agent.agentId, now, liveEntries), action });
      if (action !== 'overwritten') continue;
    }
    out.changes.push({ agentId: agent.agentId, shifts: canonicalShifts(agent.shifts) });
  }
  return out;
}

/** What an agent someone else edited holds now. */
function liveEdit(agentId: string, now: readonly AgentState[], liveEntries: readonly AgentState[]) {
  const live = now[0];
  return {
    agentId,
    liveShifts: canonicalShifts(liveEntries.flatMap((e) => e.shifts)),
    ...(live?.version === undefined ? {} : { liveVersion: live.version }),
  };
}

/** The live agent is what the planning engine saw: the same shifts and, where the plan gives one, the same version. */
function matchesBasedOn(live: AgentState, basedOn: NonNullable<AgentPlan['basedOn']>): boolean {
  if (!sameShifts(live.shifts, basedOn.shifts)) return false;
  return basedOn.version === undefined || live.version === String(basedOn.version);
}
