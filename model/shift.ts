import { z } from 'zod';

/** A shift in a WFM schedule: an instant, a length and the activity the agent does. */
export const shiftSchema = z.object({
  /** ISO-8601 instant with an offset or `Z` (a local time without offset is ambiguous across time zones). */
  start: z.iso.datetime({
    offset: true,
    message: 'must be an ISO-8601 instant with offset, e.g. 2026-03-02T09:00:00+08:00',
  }),
  lengthMinutes: z.number().int().min(1).max(1440),
  activityCode: z.string().min(1),
});
export type Shift = z.infer<typeof shiftSchema>;

const MS_PER_MINUTE = 60_000;

export function shiftStartMs(shift: Shift): number {
  return Date.parse(shift.start);
}

export function shiftEndMs(shift: Shift): number {
  return shiftStartMs(shift) + shift.lengthMinutes * MS_PER_MINUTE;
}

/** Shifts in a canonical form (UTC instants, sorted) so that equal schedules compare equal. */
export function canonicalShifts(shifts: readonly Shift[]): Shift[] {
  return shifts
    .map((s) => ({
      start: new Date(shiftStartMs(s)).toISOString(),
      lengthMinutes: s.lengthMinutes,
      activityCode: s.activityCode,
    }))
    .sort(
      (a, b) =>
        a.start.localeCompare(b.start) ||
        a.lengthMinutes - b.lengthMinutes ||
        a.activityCode.localeCompare(b.activityCode),
    );
}

/** True when both lists hold the same shifts, whatever their order and offset notation. */
export function sameShifts(a: readonly Shift[], b: readonly Shift[]): boolean {
  if (a.length !== b.length) return false;
  const ca = canonicalShifts(a);
  const cb = canonicalShifts(b);
  return ca.every((s, i) => {
    const t = cb[i];
    return (
      t !== undefined &&
      s.start === t.start &&
      s.lengthMinutes === t.lengthMinutes &&
      s.activityCode === t.activityCode
    );
  });
}

/** Index pairs of shifts that overlap in time (a shift ending exactly when another starts does not overlap). */
export function overlappingShiftPairs(shifts: readonly Shift[]): Array<[number, number]> {
  const order = shifts
    .map((s, i) => ({ i, start: shiftStartMs(s), end: shiftEndMs(s) }))
    .sort((a, b) => a.start - b.start);
  const pairs: Array<[number, number]> = [];
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1];
    const cur = order[k];
    if (prev && cur && cur.start < prev.end) pairs.push([prev.i, cur.i]);
  }
  return pairs;
}
