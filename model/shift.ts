import { z } from 'zod';
import { MS_PER_MINUTE, shiftEndMs, shiftStartMs } from './shift-time';

export { shiftEndMs, shiftStartMs };

const instantSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 instant with offset, e.g. 2026-03-02T09:00:00+08:00',
});

/** A part of a shift given over to one activity (a break, a meal, a meeting). */
export const activitySchema = z.strictObject({
  start: instantSchema,
  lengthMinutes: z.number().int().min(1).max(1440),
  activityCode: z.string().min(1),
});
export type Activity = z.infer<typeof activitySchema>;

/**
 * A shift in a WFM schedule: an instant, a length and the activity the agent does. `activities`, when given, lays
 * other activities over parts of the shift (a break at 12:00); the rest of the shift is `activityCode`.
 */
export const shiftSchema = z.object({
  /** ISO-8601 instant with an offset or `Z` (a local time without offset is ambiguous across time zones). */
  start: instantSchema,
  lengthMinutes: z.number().int().min(1).max(1440),
  activityCode: z.string().min(1),
  activities: z.array(activitySchema).optional(),
});
export type Shift = z.infer<typeof shiftSchema>;

/**
 * What is wrong with a shift's activities, each by its index: one outside the shift, or two overlapping. A shift
 * whose activities break these rules has no single meaning, so a plan with one is refused.
 */
export function activityProblems(shift: Shift): Array<{ index: number; message: string }> {
  const activities = shift.activities ?? [];
  const problems: Array<{ index: number; message: string }> = [];
  activities.forEach((activity, index) => {
    if (shiftStartMs(activity) < shiftStartMs(shift) || shiftEndMs(activity) > shiftEndMs(shift))
      problems.push({ index, message: 'lies outside its shift' });
  });
  for (const [i, j] of overlappingShiftPairs(activities))
    problems.push({ index: j, message: `overlaps activities[${i}]` });
  return problems;
}

/**
 * The shift's time, start to end, as consecutive activities: the given activities, the gaps between them filled with
 * the shift's own `activityCode`, neighbours with one code joined. Two shifts mean the same when these are equal,
 * however each was written.
 */
export function shiftTimeline(shift: Shift): Activity[] {
  const start = shiftStartMs(shift);
  const end = shiftEndMs(shift);
  const parts = [...(shift.activities ?? [])]
    .map((a) => ({ from: shiftStartMs(a), to: shiftEndMs(a), code: a.activityCode }))
    .sort((a, b) => a.from - b.from);
  const pieces: Array<{ from: number; to: number; code: string }> = [];
  let at = start;
  for (const part of parts) {
    if (part.from > at) pieces.push({ from: at, to: part.from, code: shift.activityCode });
    pieces.push(part);
    at = part.to;
  }
  if (at < end) pieces.push({ from: at, to: end, code: shift.activityCode });
  const joined: typeof pieces = [];
  for (const piece of pieces) {
    const last = joined[joined.length - 1];
    if (last && last.code === piece.code && last.to === piece.from) last.to = piece.to;
    else joined.push({ ...piece });
  }
  return joined.map((p) => ({
    start: new Date(p.from).toISOString(),
    lengthMinutes: (p.to - p.from) / MS_PER_MINUTE,
    activityCode: p.code,
  }));
}

/**
 * One shift in its canonical form: a UTC instant, and the timeline's first activity as the shift's code, with the
 * whole timeline as `activities` only when there is more than one. Equal meanings give equal forms.
 */
export function canonicalShift(shift: Shift): Shift {
  const timeline = shiftTimeline(shift);
  return {
    start: new Date(shiftStartMs(shift)).toISOString(),
    lengthMinutes: shift.lengthMinutes,
    activityCode: timeline[0]?.activityCode ?? shift.activityCode,
    ...(timeline.length > 1 ? { activities: timeline } : {}),
  };
}

/** Shifts in a canonical form (UTC instants, sorted) so that equal schedules compare equal. */
export function canonicalShifts(shifts: readonly Shift[]): Shift[] {
  return shifts
    .map(canonicalShift)
    .sort(
      (a, b) =>
        a.start.localeCompare(b.start) ||
        a.lengthMinutes - b.lengthMinutes ||
        sameKey(a).localeCompare(sameKey(b)),
    );
}

/** Everything a shift means, as one string: equal strings, same shift. */
function sameKey(canonical: Shift): string {
  return JSON.stringify([
    canonical.start,
    canonical.lengthMinutes,
    canonical.activityCode,
    (canonical.activities ?? []).map((a) => [a.start, a.lengthMinutes, a.activityCode]),
  ]);
}

/** True when both lists hold the same shifts, whatever their order, offset notation and way of writing activities. */
export function sameShifts(a: readonly Shift[], b: readonly Shift[]): boolean {
  if (a.length !== b.length) return false;
  const ca = canonicalShifts(a).map(sameKey);
  const cb = canonicalShifts(b).map(sameKey);
  return ca.every((key, i) => key === cb[i]);
}

/** Index pairs of shifts that overlap in time (a shift ending exactly when another starts does not overlap). */
export function overlappingShiftPairs(
  shifts: ReadonlyArray<Pick<Shift, 'start' | 'lengthMinutes'>>,
): Array<[number, number]> {
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
