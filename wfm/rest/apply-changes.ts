import type { AgentChange } from '../port';
import type { DocumentAgent, ScheduleDocument } from './schedule-document';

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
