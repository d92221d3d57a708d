// Apart from model/shift.ts (the schema): workflows reach these through model/protected-time.ts, and the workflow
// bundle must not pull in zod (see test/unit/workflow-bundle.test.ts).
import type { Shift } from './shift';

export const MS_PER_MINUTE = 60_000;

export function shiftStartMs(shift: Pick<Shift, 'start'>): number {
  return Date.parse(shift.start);
}

export function shiftEndMs(shift: Pick<Shift, 'start' | 'lengthMinutes'>): number {
  return shiftStartMs(shift) + shift.lengthMinutes * MS_PER_MINUTE;
}
