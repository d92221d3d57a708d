import type { SimShift, SimUpdateShift, SimUpdateUpload } from './models';
import { badRequest } from './errors';
import type { AgentChange, BusinessUnit, StoredSchedule } from './store';
import { uuidFrom } from './store';

/** What an update would conflict with now: a stale schedule version, and agents whose version is wrong (§2, §7.5). */
export interface Staleness {
  scheduleStale: boolean;
  /** Existing agents sent with no or another version, and new agents sent with a version. */
  staleAgents: string[];
}

/**
 * Checks an update against the schedule as it is now. Malformed requests (what no re-read can fix) throw 400
 * `invalid.value` naming the field (§7.6); version problems are returned, since the caller decides how they surface.
 */
export function checkUpdate(schedule: StoredSchedule, bu: BusinessUnit, upload: SimUpdateUpload): Staleness {
  if (upload.published === false && schedule.published)
    throw badRequest(
      'A published schedule cannot be unpublished; publish another schedule instead',
      'published',
    );
  const seen = new Set<string>();
  const staleAgents: string[] = [];
  (upload.agentSchedules ?? []).forEach((agent, i) => {
    const at = `agentSchedules[${i}]`;
    if (seen.has(agent.userId)) throw badRequest(`User ${agent.userId} appears twice`, `${at}.userId`);
    seen.add(agent.userId);
    if (!bu.managementUnits.some((m) => m.agentIds.includes(agent.userId)))
      throw badRequest(`User ${agent.userId} is not in the business unit`, `${at}.userId`);
    const existing = schedule.agents.get(agent.userId);
    const sent = agent.metadata?.version;
    if (existing ? sent !== existing.version : sent !== undefined) {
      staleAgents.push(agent.userId);
      return; // Its shift ids are checked against a version the client has not seen.
    }
    if (!existing && agent.delete)
      throw badRequest(`User ${agent.userId} has no schedule to delete`, `${at}.delete`);
    (agent.shifts ?? []).forEach((shift, j) =>
      checkShift(shift, existing?.shifts ?? [], `${at}.shifts[${j}]`),
    );
  });
  return { scheduleStale: upload.metadata.version !== schedule.version, staleAgents };
}

function checkShift(shift: SimUpdateShift, current: SimShift[], at: string): void {
  if (shift.id === undefined) {
    if (shift.delete) throw badRequest('A shift to delete needs its id', `${at}.id`);
    for (const field of ['startDate', 'lengthMinutes', 'activities'] as const)
      if (shift[field] === undefined) throw badRequest(`A new shift needs ${field}`, `${at}.${field}`);
    return;
  }
  if (!current.some((s) => s.id === shift.id))
    throw badRequest(`Shift ${shift.id} does not exist`, `${at}.id`);
}

/**
 * Applies a checked, current update: per-agent `delete`, per-shift delta (`id` + `delete` removes, `id` edits, no `id`
 * adds), full-day markers by date, description and `published`. Agents the update does not name stay as they are.
 * Bumps the schedule's version and each named agent's (§7.5).
 */
export function applyUpdate(
  schedule: StoredSchedule,
  bu: BusinessUnit,
  upload: SimUpdateUpload,
  by: { who: string; atIso: string; random: () => number },
): AgentChange[] {
  const changes: AgentChange[] = [];
  for (const agent of upload.agentSchedules ?? []) {
    const existing = schedule.agents.get(agent.userId);
    if (agent.delete && existing) {
      schedule.agents.delete(agent.userId);
      changes.push({ userId: agent.userId, change: 'deleted', fromVersion: existing.version });
      continue;
    }
    const record = existing ?? {
      userId: agent.userId,
      managementUnitId: bu.managementUnits.find((m) => m.agentIds.includes(agent.userId))?.id ?? '',
      version: 0,
      dateModified: by.atIso,
      modifiedBy: by.who,
      shifts: [],
      fullDayTimeOffMarkers: [],
    };
    for (const shift of agent.shifts ?? [])
      record.shifts = applyShift(record.shifts, shift, schedule, by.random);
    for (const marker of agent.fullDayTimeOffMarkers ?? []) {
      const others = record.fullDayTimeOffMarkers.filter(
        (m) => m.businessUnitDate !== marker.businessUnitDate,
      );
      const { delete: remove, ...kept } = marker;
      record.fullDayTimeOffMarkers = remove ? others : [...others, kept];
    }
    const fromVersion = existing?.version;
    Object.assign(record, { version: record.version + 1, dateModified: by.atIso, modifiedBy: by.who });
    schedule.agents.set(agent.userId, record);
    changes.push({
      userId: agent.userId,
      change: existing ? 'edited' : 'added',
      ...(fromVersion === undefined ? {} : { fromVersion }),
      toVersion: record.version,
    });
  }
  if (upload.description !== undefined) schedule.description = upload.description;
  if (upload.published !== undefined) schedule.published = upload.published;
  Object.assign(schedule, { version: schedule.version + 1, dateModified: by.atIso, modifiedBy: by.who });
  return changes;
}

function applyShift(
  shifts: SimShift[],
  update: SimUpdateShift,
  schedule: StoredSchedule,
  random: () => number,
): SimShift[] {
  const { id, delete: remove, workPlanId, workPlanShiftId, ...fields } = update;
  const plain = {
    ...fields,
    ...(workPlanId ? { workPlanId: workPlanId.value } : {}),
    ...(workPlanShiftId ? { workPlanShiftId: workPlanShiftId.value } : {}),
  };
  if (id === undefined) {
    const added = {
      id: uuidFrom(random),
      schedule: { id: schedule.id, weekDate: schedule.weekId },
      ...plain,
    };
    return [...shifts, added as SimShift];
  }
  if (remove) return shifts.filter((s) => s.id !== id);
  return shifts.map((s) => (s.id === id ? ({ ...s, ...plain } as SimShift) : s));
}
