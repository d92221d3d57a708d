import type { AgentChange } from '../port';
import type { DocumentAgent, ScheduleDocument } from './schedule-document';

/**
 * The document to PUT: the one last read, every field kept, with the changed agents' shifts replaced (other fields
 * of those agents kept, in every entry if the server lists one twice) and new agents appended. Agents not in `changes` are the very objects the server sent.
 */
export function applyChanges(document: ScheduleDocument, changes: readonly AgentChange[]): ScheduleDocument {
  const planned = new Map(changes.map((c) => [c.agentId, c.shifts]));
  const present = new Set<string>();
  // Every entry of a changed agent gets the plan: a server document that lists an agent twice would otherwise keep
  // an old entry, and every later push would write it again.
  const agents: DocumentAgent[] = document.agents.map((agent) => {
    const shifts = planned.get(agent.agentId);
    if (shifts === undefined) return agent;
    present.add(agent.agentId);
    return { ...agent, shifts };
  });
  for (const [agentId, shifts] of planned) if (!present.has(agentId)) agents.push({ agentId, shifts });
  return { ...document, agents };
}
