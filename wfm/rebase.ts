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
  const byId = new Map(current.map((a) => [a.agentId, a.shifts]));
  const changes: AgentChange[] = [];
  const inPlace: string[] = [];
  for (const agent of planned) {
    const now = byId.get(agent.agentId) ?? [];
    if (sameShifts(now, agent.shifts)) inPlace.push(agent.agentId);
    else changes.push({ agentId: agent.agentId, shifts: canonicalShifts(agent.shifts) });
  }
  return { changes, inPlace };
}
