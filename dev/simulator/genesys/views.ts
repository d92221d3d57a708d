import type { AgentScheduleRecord, BusinessUnit, StoredSchedule } from './store';
import { utcInstant } from './store';

const WEEK_MS = 7 * 86_400_000;

export function schedulePath(s: Pick<StoredSchedule, 'businessUnitId' | 'weekId' | 'id'>): string {
  return `/api/v2/workforcemanagement/businessunits/${s.businessUnitId}/weeks/${s.weekId}/schedules/${s.id}`;
}

/**
 * `BuScheduleMetadata` (§1.2). A management unit is listed when the schedule holds at least one of its agents (MU
 * membership is inferred from the agents included, §5); `agents` only with `expand=managementUnits.agents`.
 */
export function scheduleMetadata(schedule: StoredSchedule, bu: BusinessUnit, expandAgents: boolean) {
  const startMs = Date.parse(`${schedule.weekId}T00:00:00Z`);
  const managementUnits = bu.managementUnits.flatMap((mu) => {
    const agents = mu.agentIds.filter((id) => schedule.agents.has(id));
    if (agents.length === 0) return [];
    return [
      {
        managementUnit: { id: mu.id, selfUri: `/api/v2/workforcemanagement/managementunits/${mu.id}` },
        agentCount: agents.length,
        startDate: utcInstant(startMs),
        endDate: utcInstant(startMs + WEEK_MS),
        ...(expandAgents ? { agents: agents.map((id) => ({ id, selfUri: `/api/v2/users/${id}` })) } : {}),
      },
    ];
  });
  return {
    id: schedule.id,
    weekDate: schedule.weekId,
    weekCount: 1,
    description: schedule.description,
    published: schedule.published,
    managementUnits,
    metadata: {
      version: schedule.version,
      dateModified: schedule.dateModified,
      modifiedBy: { id: schedule.modifiedBy },
    },
    selfUri: schedulePath(schedule),
  };
}

/** One entry of `result.agentSchedules` in a query answer (§1.2), with the per-agent version. */
export function agentScheduleView(agent: AgentScheduleRecord) {
  return {
    user: { id: agent.userId, selfUri: `/api/v2/users/${agent.userId}` },
    metadata: {
      version: agent.version,
      dateModified: agent.dateModified,
      modifiedBy: { id: agent.modifiedBy },
    },
    shifts: structuredClone(agent.shifts),
    fullDayTimeOffMarkers: structuredClone(agent.fullDayTimeOffMarkers),
  };
}
