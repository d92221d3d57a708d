import type { ProtectedTime } from '../../model/protected-time';
import type { Shift } from '../../model/shift';
import type { GenesysAgentSchedule, GenesysShift } from './schemas';
import { agentShiftsFromGenesys, utcInstant } from './shifts';

/** One agent as a push sees it: what it may compare and replace, and what it must leave alone. */
export interface AgentReading {
  /** The agent's own shifts, as the rebase compares them with the plan. */
  shifts: Shift[];
  /** The shifts a write replaces (deleted by id): never one that holds protected time. */
  writableShiftIds: string[];
  /** Approved time off and activities booked by other systems: kept whole, and a plan must not overlap them. */
  protectedTime: ProtectedTime[];
}

/**
 * Reads an agent's schedule. A shift holding an activity with `timeOffRequestId` (approved partial-day time off) or
 * `externalActivityId` (booked by another system) is protected: deleting the shift would delete that activity, and no
 * API puts approved time off back. Such a shift is kept whole and never written; its span is protected time, as is
 * every full-day time-off marker's day. The rest of the agent's shifts are the push's to compare and replace.
 */
export function readAgent(schedule: GenesysAgentSchedule, timeZone: string | undefined): AgentReading {
  const owned = schedule.shifts.filter((s) => protectingActivity(s) === undefined);
  const protectedTime: ProtectedTime[] = [
    ...schedule.shifts.flatMap((s) => {
      const activity = protectingActivity(s);
      if (!activity) return [];
      const start = Date.parse(s.startDate);
      return [
        {
          kind: activity.timeOffRequestId ? ('time-off' as const) : ('external-activity' as const),
          start: utcInstant(start),
          end: utcInstant(start + s.lengthMinutes * 60_000),
          ...refOf(activity.timeOffRequestId ?? activity.externalActivityId),
        },
      ];
    }),
    ...schedule.fullDayTimeOffMarkers.map((m) => {
      const start = zonedMidnightMs(m.businessUnitDate, timeZone ?? 'UTC');
      return {
        kind: 'full-day-time-off' as const,
        start: utcInstant(start),
        end: utcInstant(start + 86_400_000),
        day: m.businessUnitDate,
        ...refOf(m.timeOffRequestId),
      };
    }),
  ];
  return {
    shifts: readableShifts(owned),
    writableShiftIds: owned.map((s) => s.id),
    protectedTime,
  };
}

function protectingActivity(shift: GenesysShift) {
  return shift.activities.find((a) => a.timeOffRequestId || a.externalActivityId);
}

function refOf(ref: string | undefined): { ref?: string } {
  return ref ? { ref } : {};
}

/**
 * The agent's shifts as the rebase compares them. A shift the project cannot express (gaps, overlaps) is kept as a
 * shift no plan can equal, so the rebase sees the agent differ and the write replaces it visibly.
 */
function readableShifts(shifts: GenesysShift[]): Shift[] {
  const { shifts: readable, unrepresentable } = agentShiftsFromGenesys({ shifts });
  const odd = shifts.filter((s) => unrepresentable.some((u) => u.shiftId === s.id));
  return [
    ...readable,
    ...odd.map((s) => ({
      start: s.startDate,
      lengthMinutes: s.lengthMinutes,
      activityCode: `(unrepresentable ${s.id})`,
    })),
  ];
}

/** Midnight of `date` (`yyyy-MM-dd`) in `timeZone`, as epoch ms (an unknown zone reads as UTC). */
export function zonedMidnightMs(date: string, timeZone: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  let guess = utcMidnight;
  // Two rounds settle it, also on a day whose offset changes (daylight saving).
  for (let i = 0; i < 2; i++) guess = utcMidnight - offsetMs(guess, timeZone);
  return guess;
}

function offsetMs(atMs: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(atMs));
  } catch {
    return 0;
  }
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(atMs / 1000) * 1000;
}
