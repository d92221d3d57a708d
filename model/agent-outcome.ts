import { maskHas, type AgentMask } from './agent-mask';
import { describeProtectedTime, type ProtectedCollision } from './protected-time';
import type { Shift } from './shift';

/**
 * What became of one planned agent in a push. `not-started` and `in-flight` only in the report of a push that ended
 * (cancelled) before the agent's schedule started, or while it was still finishing. `superseded`: a newer plan took the
 * schedule over before this push wrote the agent (the newer plan's push writes it, or leaves it if it does not name it).
 */
export const AGENT_OUTCOMES = [
  'applied',
  'already-in-place',
  'kept-theirs',
  'protected',
  'failed',
  'not-started',
  'in-flight',
  'superseded',
] as const;
export type AgentOutcomeKind = (typeof AGENT_OUTCOMES)[number];

/** An agent someone edited after the plan was computed: what the push found live, and what it did about it. */
export interface NewerEdit {
  /** The agent's shifts when the push read it (`[]`: none, or the schedule lacked the agent). */
  liveShifts: Shift[];
  /** Genesys Cloud: the agent schedule's version when the push read it. */
  liveVersion?: string;
  /** `overwritten` (plan-wins), `kept` (keep-theirs) or `refused` (fail). */
  action: 'overwritten' | 'kept' | 'refused';
}

/** One planned agent's line in a push's per-agent report (`wfm-push report --agents`). */
export interface AgentOutcome {
  agentId: string;
  outcome: AgentOutcomeKind;
  /** Why the agent failed: the failure type and the server's message (or the push's, e.g. NewerEdit). */
  failure?: { type: string; message: string };
  /** `superseded`: the newer plan that took the agent's schedule over before this push wrote the agent. */
  supersededBy?: string;
  /** Present when the agent was edited since the plan was computed (its `basedOn` no longer matched). */
  newerEdit?: NewerEdit;
  /**
   * `protected`: the plan overlaps time nobody but its owner may change (approved time off, another system's
   * activity), so the agent was left as it is; the first such time, how many the plan overlaps, and a line to read.
   */
  protectedTime?: ProtectedCollision & { reason: string };
}

export interface AgentOutcomeFacts {
  /** The schedule's planned agents, in plan order (the masks index into it). */
  agentIds: readonly string[];
  /** Agents this push wrote, over all its attempts. */
  applied: AgentMask;
  /** Agents that held the plan when the push last read the schedule. */
  inPlace: AgentMask;
  /** Agents whose `basedOn` no longer matched at the last read, by agent ID. */
  newerEdits?: ReadonlyMap<string, NewerEdit>;
  /**
   * Agents left to a newer edit (keep-theirs) at the last read, when only the mask survived: a failed sync's
   * progress carries masks, not the live shifts.
   */
  kept?: AgentMask;
  /** Agents whose plan overlaps protected time at the last read, by agent ID (with what it overlaps). */
  collisions?: ReadonlyMap<string, ProtectedCollision>;
  /** The same agents as a mask, when only the mask survived (a failed sync's progress). */
  protectedTime?: AgentMask;
  /** Why the other agents did not land (the schedule's failure); absent when the schedule's sync completed. */
  failure?: { type: string; message: string };
  /** The schedule was taken over by this newer plan: the agents not written are `superseded`, not failed. */
  supersededBy?: string;
}

/** Every planned agent's outcome, in plan order, from what the push knows of the schedule. */
export function agentOutcomes(facts: AgentOutcomeFacts): AgentOutcome[] {
  return facts.agentIds.map((agentId, i): AgentOutcome => {
    const newerEdit = facts.newerEdits?.get(agentId);
    const edit = newerEdit ? { newerEdit } : {};
    if (maskHas(facts.applied, i)) return { agentId, outcome: 'applied', ...edit };
    if (maskHas(facts.inPlace, i)) return { agentId, outcome: 'already-in-place' };
    const collision = facts.collisions?.get(agentId);
    if (collision)
      return {
        agentId,
        outcome: 'protected',
        protectedTime: { ...collision, reason: protectedReason(collision) },
      };
    if (maskHas(facts.protectedTime, i)) return { agentId, outcome: 'protected' };
    if (newerEdit?.action === 'kept' || maskHas(facts.kept, i))
      return { agentId, outcome: 'kept-theirs', ...edit };
    if (newerEdit?.action === 'refused')
      return { agentId, outcome: 'failed', failure: newerEditFailure(newerEdit), ...edit };
    if (facts.supersededBy !== undefined)
      return { agentId, outcome: 'superseded', supersededBy: facts.supersededBy };
    return {
      agentId,
      outcome: 'failed',
      // A completed sync leaves no agent behind; a failed one names its reason for every agent it did not land.
      failure: facts.failure ?? { type: 'NotWritten', message: 'the push ended without writing this agent' },
      ...edit,
    };
  });
}

/** "plan overlaps approved time off (time-off request tor-1) on 2026-03-03; not written (2 overlaps)". */
export function protectedReason(c: ProtectedCollision): string {
  const more = c.collisions > 1 ? ` (and ${c.collisions - 1} more)` : '';
  return `the plan overlaps ${describeProtectedTime(c.protectedTime)}${more}; left as it is, nothing written`;
}

export function newerEditFailure(edit: NewerEdit): { type: string; message: string } {
  const version = edit.liveVersion === undefined ? '' : ` (version ${edit.liveVersion})`;
  return {
    type: 'NewerEdit',
    message: `edited since the plan was computed${version}; not overwritten because --on-newer-edit is fail`,
  };
}
