import { maskHas, type AgentMask } from './agent-mask';
import type { Shift } from './shift';

/** What became of one planned agent in a push. */
export const AGENT_OUTCOMES = ['applied', 'already-in-place', 'kept-theirs', 'failed'] as const;
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
  /** Present when the agent was edited since the plan was computed (its `basedOn` no longer matched). */
  newerEdit?: NewerEdit;
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
  /** Why the other agents did not land (the schedule's failure); absent when the schedule's sync completed. */
  failure?: { type: string; message: string };
}

/** Every planned agent's outcome, in plan order, from what the push knows of the schedule. */
export function agentOutcomes(facts: AgentOutcomeFacts): AgentOutcome[] {
  return facts.agentIds.map((agentId, i): AgentOutcome => {
    const newerEdit = facts.newerEdits?.get(agentId);
    const edit = newerEdit ? { newerEdit } : {};
    if (maskHas(facts.applied, i)) return { agentId, outcome: 'applied', ...edit };
    if (maskHas(facts.inPlace, i)) return { agentId, outcome: 'already-in-place' };
    if (newerEdit?.action === 'kept' || maskHas(facts.kept, i))
      return { agentId, outcome: 'kept-theirs', ...edit };
    if (newerEdit?.action === 'refused')
      return { agentId, outcome: 'failed', failure: newerEditFailure(newerEdit), ...edit };
    return {
      agentId,
      outcome: 'failed',
      // A completed sync leaves no agent behind; a failed one names its reason for every agent it did not land.
      failure: facts.failure ?? { type: 'NotWritten', message: 'the push ended without writing this agent' },
      ...edit,
    };
  });
}

export function newerEditFailure(edit: NewerEdit): { type: string; message: string } {
  const version = edit.liveVersion === undefined ? '' : ` (version ${edit.liveVersion})`;
  return {
    type: 'NewerEdit',
    message: `edited since the plan was computed${version}; not overwritten because --on-newer-edit is fail`,
  };
}
