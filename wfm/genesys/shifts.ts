import { canonicalShift, shiftSchema, shiftStartMs, shiftTimeline, type Shift } from '../../model/shift';
import type { GenesysActivity, GenesysAgentSchedule, UpdateActivity } from './schemas';

/**
 * A project shift as Genesys Cloud holds it: a shift whose activities cover it end to end, one per part of the
 * shift's timeline (the plan's activities, the rest of the shift as its `activityCode`). The project's activity
 * codes are Genesys `activityCodeId`s as is (a plan for Genesys names the business unit's activity code ids).
 */
export interface NewGenesysShift {
  startDate: string;
  lengthMinutes: number;
  activities: UpdateActivity[];
  /** Always true: marks the shift as set by a client, so a later reschedule run leaves it alone (reference §8). */
  manuallyEdited: true;
}

/** What a Genesys shift reads as: a project shift, or why it has none (the rebase then sees the agent differ). */
export type GenesysShiftReading = { ok: true; shift: Shift } | { ok: false; reason: string };

/** The fields of a Genesys shift (as read, or as sent in an update) that the conversion looks at. */
export interface GenesysShiftLike {
  startDate: string;
  lengthMinutes: number;
  activities: ReadonlyArray<Pick<GenesysActivity, 'startDate' | 'lengthMinutes' | 'activityCodeId'>>;
}

/** `2026-03-02T14:00:00Z`: UTC, as Genesys writes instants, without a `.000` it does not use. */
export function utcInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** A new Genesys shift (no `id`: Genesys assigns one) for a project shift. */
export function genesysShiftFrom(shift: Shift): NewGenesysShift {
  return {
    startDate: utcInstant(shiftStartMs(shift)),
    lengthMinutes: shift.lengthMinutes,
    activities: shiftTimeline(shift).map((part) => ({
      startDate: utcInstant(shiftStartMs(part)),
      lengthMinutes: part.lengthMinutes,
      activityCodeId: part.activityCode,
      // An update requires description; the project has none to give.
      description: '',
    })),
    manuallyEdited: true,
  };
}

/**
 * The project shift a Genesys shift stands for. Only a shift whose activities cover it end to end, without gaps or
 * overlaps, has one: a gap or an overlap is structure a project shift cannot express, and reading it as something
 * else would let a push overwrite it unseen.
 */
export function shiftFromGenesys(shift: GenesysShiftLike): GenesysShiftReading {
  const activities = [...shift.activities].sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate));
  const [first] = activities;
  if (first === undefined) return { ok: false, reason: 'shift has no activity' };
  const startMs = Date.parse(shift.startDate);
  let at = startMs;
  for (const activity of activities) {
    const from = Date.parse(activity.startDate);
    if (from !== at)
      return {
        ok: false,
        reason: from < at ? 'activities overlap' : 'activities leave part of the shift uncovered',
      };
    at = from + activity.lengthMinutes * 60_000;
  }
  if (at !== startMs + shift.lengthMinutes * 60_000)
    return { ok: false, reason: 'activities do not end with the shift' };
  const candidate = {
    start: utcInstant(startMs),
    lengthMinutes: shift.lengthMinutes,
    activityCode: first.activityCodeId,
    ...(activities.length > 1
      ? {
          activities: activities.map((a) => ({
            start: utcInstant(Date.parse(a.startDate)),
            lengthMinutes: a.lengthMinutes,
            activityCode: a.activityCodeId,
          })),
        }
      : {}),
  };
  // The model's own rule (length 1 to 1440 minutes, a valid instant), not a second copy of it.
  const parsed = shiftSchema.safeParse(candidate);
  if (!parsed.success)
    return {
      ok: false,
      reason: `not a valid shift (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`,
    };
  const canonical = canonicalShift(parsed.data);
  return { ok: true, shift: { ...canonical, start: utcInstant(startMs) } };
}

/** An agent's Genesys shifts as project shifts, and the ids of those that have none, with why. */
export function agentShiftsFromGenesys(agent: Pick<GenesysAgentSchedule, 'shifts'>): {
  shifts: Shift[];
  unrepresentable: Array<{ shiftId: string; reason: string }>;
} {
  const shifts: Shift[] = [];
  const unrepresentable: Array<{ shiftId: string; reason: string }> = [];
  for (const g of agent.shifts) {
    const reading = shiftFromGenesys(g);
    if (reading.ok) shifts.push(reading.shift);
    else unrepresentable.push({ shiftId: g.id, reason: reading.reason });
  }
  return { shifts, unrepresentable };
}
