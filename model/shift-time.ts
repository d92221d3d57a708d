// Apart from model/shift.ts (the schema): workflows reach these through model/protected-time.ts, and the workflow
// bundle must not pull in zod (see test/unit/workflow-bundle.test.ts).
import type { Shift } from './shift';

export const MS_PER_MINUTE = 60_000;

/**
 * Instants already parsed. A schedule's shifts start at a few dozen distinct instants (a week of the same start
 * times), and every read of it compares each agent's shifts with the plan's, so most parses repeat; Date.parse of an
 * instant with an offset costs about a microsecond, most of a rebase. Bounded: emptied when full.
 */
const parsed = new Map<string, number>();
const PARSED_MAX = 10_000;

export function shiftStartMs(shift: Pick<Shift, 'start'>): number {
  let ms = parsed.get(shift.start);
  if (ms === undefined) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    ms = Date.parse(shift.start);
    parsed.set(shift.start, ms);
  }
  return ms;
}

export function shiftEndMs(shift: Pick<Shift, 'start' | 'lengthMinutes'>): number {
  return shiftStartMs(shift) + shift.lengthMinutes * MS_PER_MINUTE;
}
