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

/** A stretch of a shift given to one activity, in ms since the epoch. */
interface TimelinePiece {
  from: number;
  to: number;
  code: string;
}

/**
 * The shift's time, start to end, as consecutive activities: the given activities, the gaps between them filled with
 * the shift's own `activityCode`, neighbours with one code joined. Two shifts mean the same when these are equal,
 * however each was written.
 */
export function shiftTimeline(shift: Shift): Activity[] {
  return timelineOf(shift).map((p) => ({
    start: new Date(p.from).toISOString(),
    lengthMinutes: (p.to - p.from) / MS_PER_MINUTE,
    activityCode: p.code,
  }));
}

function timelineOf(shift: Shift, start = shiftStartMs(shift)): TimelinePiece[] {
  const end = start + shift.lengthMinutes * MS_PER_MINUTE;
  // Most shifts carry no activities: their timeline is the shift itself (and the rebase of every read compares each).
  if (!shift.activities?.length) return [{ from: start, to: end, code: shift.activityCode }];
  const parts = shift.activities
    .map((a) => ({ from: shiftStartMs(a), to: shiftEndMs(a), code: a.activityCode }))
    .sort((a, b) => a.from - b.from);
  const pieces: TimelinePiece[] = [];
  let at = start;
  for (const part of parts) {
    if (part.from > at) pieces.push({ from: at, to: part.from, code: shift.activityCode });
    pieces.push(part);
    at = part.to;
  }
  if (at < end) pieces.push({ from: at, to: end, code: shift.activityCode });
  const joined: TimelinePiece[] = [];
  for (const piece of pieces) {
    const last = joined[joined.length - 1];
    if (last && last.code === piece.code && last.to === piece.from) last.to = piece.to;
    else joined.push({ ...piece });
  }
  return joined;
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
    .map((shift) => {
      const canonical = canonicalShift(shift);
      return { canonical, key: sameKey(canonical) };
    })
    .sort(
      // Canonical starts are all toISOString's fixed-width form: compared as plain strings, in time order.
      (a, b) =>
        (a.canonical.start < b.canonical.start ? -1 : a.canonical.start > b.canonical.start ? 1 : 0) ||
        a.canonical.lengthMinutes - b.canonical.lengthMinutes ||
        a.key.localeCompare(b.key),
    )
    .map(({ canonical }) => canonical);
}

/** Everything a canonical shift means, as one string: equal strings, same shift. */
function sameKey(canonical: Shift): string {
  return JSON.stringify([
    canonical.start,
    canonical.lengthMinutes,
    canonical.activityCode,
    (canonical.activities ?? []).map((a) => [a.start, a.lengthMinutes, a.activityCode]),
  ]);
}

/**
 * Everything a shift means, as one string, straight from its timeline in ms: what `sameKey` of its canonical form
 * says, without writing the instants out (a rebase compares every shift of every agent read, twice).
 */
function meaningKey(shift: Shift): string {
  const start = shiftStartMs(shift);
  if (!Number.isFinite(start)) throw new RangeError(`invalid shift start "${shift.start}"`);
  const timeline = timelineOf(shift, start);
  // Numbers and quoted codes, space-separated: unambiguous, and cheaper than a JSON array.
  let key = `${start} ${shift.lengthMinutes} ${JSON.stringify(timeline[0]?.code ?? shift.activityCode)}`;
  if (timeline.length > 1)
    for (const p of timeline) key += ` ${p.from} ${p.to - p.from} ${JSON.stringify(p.code)}`;
  return key;
}

/** True when both lists hold the same shifts, whatever their order, offset notation and way of writing activities. */
export function sameShifts(a: readonly Shift[], b: readonly Shift[]): boolean {
  if (a.length !== b.length) return false;
  // The same shifts in any order: the same sorted list of meanings.
  const meanings = (shifts: readonly Shift[]) => shifts.map(meaningKey).sort();
  const mb = meanings(b);
  return meanings(a).every((key, i) => key === mb[i]);
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
