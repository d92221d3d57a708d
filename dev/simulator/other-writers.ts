import type { DocumentShift, ScheduleDocument } from './schedule-document';
import { pick } from './random';

const QUARTER_HOUR_MS = 15 * 60_000;
const ACTIVITY_CODES = ['WORK', 'TRAINING', 'MEETING', 'COACHING'];

/**
 * What a planner in the WFM UI does: edits one agent (moves a shift by a quarter hour, or changes its activity).
 * Returns the edited document, or undefined when the schedule has no agent to edit.
 */
export function editRandomAgent(doc: ScheduleDocument, random: () => number): ScheduleDocument | undefined {
  const agent = pick(doc.agents, random);
  if (!agent) return undefined;
  const shifts: DocumentShift[] = agent.shifts.map((s) => ({ ...s }));
  const target = pick(shifts, random);
  if (!target) {
    shifts.push({
      start: new Date(Date.parse('2026-01-05T01:00:00Z')).toISOString(),
      lengthMinutes: 60,
      activityCode: 'MEETING',
    });
  } else if (random() < 0.5) {
    target.start = new Date(Date.parse(target.start) + QUARTER_HOUR_MS).toISOString();
  } else {
    target.activityCode =
      pick(
        ACTIVITY_CODES.filter((c) => c !== target.activityCode),
        random,
      ) ?? 'WORK';
  }
  return { ...doc, agents: doc.agents.map((a) => (a.agentId === agent.agentId ? { ...a, shifts } : a)) };
}
