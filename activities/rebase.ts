import type { AgentPlan } from '../model/plan';
import type { DocumentAgent, ScheduleDocument } from '../model/schedule-document';
import { canonicalShifts, sameShifts } from '../model/shift';
import type { AgentChange, AgentState } from './wfm-port';

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

/**
 * The document to PUT: the one last read, every field kept, with the changed agents' shifts replaced (other fields
 * of those agents kept) and new agents appended. Agents not in `changes` are the very objects the server sent.
 */
export function applyChanges(document: ScheduleDocument, changes: readonly AgentChange[]): ScheduleDocument {
  const pending = new Map(changes.map((c) => [c.agentId, c.shifts]));
  const agents: DocumentAgent[] = document.agents.map((agent) => {
    const shifts = pending.get(agent.agentId);
    if (shifts === undefined) return agent;
    pending.delete(agent.agentId);
    return { ...agent, shifts };
  });
  for (const [agentId, shifts] of pending) agents.push({ agentId, shifts });
  return { ...document, agents };
}
