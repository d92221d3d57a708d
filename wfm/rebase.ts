import type { AgentPlan } from '../model/plan';
import { canonicalShifts, sameShifts } from '../model/shift';
import type { AgentChange, AgentState } from './port';

export interface Rebase {
  /** Planned agents whose current shifts differ from the plan: what must be written. */
  changes: AgentChange[];
  /** Planned agents that already hold the planned shifts. */
  inPlace: string[];
}

/**
 * Re-applies the plan to the schedule as it is now. Only planned agents can appear in `changes`; an agent the
 * schedule lacks and the plan leaves without shifts already holds its planned state.
 */
export function rebase(current: readonly AgentState[], planned: readonly AgentPlan[]): Rebase {
  // A server may list an agent twice; the agent is in place only when every entry holds the plan.
  const entries = new Map<string, AgentState['shifts'][]>();
  for (const a of current) entries.set(a.agentId, [...(entries.get(a.agentId) ?? []), a.shifts]);
  const changes: AgentChange[] = [];
  const inPlace: string[] = [];
  for (const agent of planned) {
    const now = entries.get(agent.agentId) ?? [[]];
    if (now.every((shifts) => sameShifts(shifts, agent.shifts))) inPlace.push(agent.agentId);
    else changes.push({ agentId: agent.agentId, shifts: canonicalShifts(agent.shifts) });
  }
  return { changes, inPlace };
}
