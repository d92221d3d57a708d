import { shiftSchema, shiftStartMs, type Shift } from '../../model/shift';
import type { GenesysActivity, GenesysAgentSchedule, UpdateActivity } from './schemas';

/**
 * A project shift as Genesys Cloud holds it: one shift covered whole by one activity. The project's `activityCode`
 * is the Genesys `activityCodeId` as is (a plan for Genesys names the business unit's activity code ids).
 */
export interface NewGenesysShift {
  startDate: string;
  lengthMinutes: number;
  activities: [UpdateActivity];
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
function utcInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** A new Genesys shift (no `id`: Genesys assigns one) for a project shift. */
export function genesysShiftFrom(shift: Shift): NewGenesysShift {
  const startDate = utcInstant(shiftStartMs(shift));
  return {
    startDate,
    lengthMinutes: shift.lengthMinutes,
    // An update requires description; the project has none to give.
    activities: [
      { startDate, lengthMinutes: shift.lengthMinutes, activityCodeId: shift.activityCode, description: '' },
    ],
  };
}

/**
 * The project shift a Genesys shift stands for. Only a shift made of exactly one activity spanning all of it has one:
 * breaks, meals or split activities are structure a project shift cannot express, and dropping them would let a
 * push overwrite them unseen.
 */
export function shiftFromGenesys(shift: GenesysShiftLike): GenesysShiftReading {
  const [activity, ...more] = shift.activities;
  if (activity === undefined) return { ok: false, reason: 'shift has no activity' };
  if (more.length > 0) return { ok: false, reason: `shift has ${shift.activities.length} activities` };
  const startMs = Date.parse(shift.startDate);
  if (Date.parse(activity.startDate) !== startMs || activity.lengthMinutes !== shift.lengthMinutes)
    return { ok: false, reason: 'activity does not span the shift' };
  const candidate = {
    start: utcInstant(startMs),
    lengthMinutes: shift.lengthMinutes,
    activityCode: activity.activityCodeId,
  };
  // The model's own rule (length 1 to 1440 minutes, a valid instant), not a second copy of it.
  const parsed = shiftSchema.safeParse(candidate);
  if (!parsed.success)
    return {
      ok: false,
      reason: `not a valid shift (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`,
    };
  return { ok: true, shift: parsed.data };
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
