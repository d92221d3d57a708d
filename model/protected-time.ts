import type { Shift } from './shift';
import { shiftEndMs, shiftStartMs } from './shift-time';

/**
 * Time in an agent's schedule that no push may change, because someone else owns it: approved time off (a Genesys
 * activity with `timeOffRequestId`, or a full-day time-off marker) and activities booked by another system
 * (`externalActivityId`). A push writes around it; an agent whose plan collides with it is reported, not written.
 */
export interface ProtectedTime {
  kind: 'time-off' | 'full-day-time-off' | 'external-activity';
  /** The interval it covers, ISO instants (a full-day marker: its business-unit day). */
  start: string;
  end: string;
  /** The time-off request or the external activity that owns it, when the WFM names one. */
  ref?: string;
  /** A full-day marker's business-unit date (`yyyy-MM-dd`). */
  day?: string;
}

/** A planned agent whose plan overlaps protected time: not written, reported with what it collided with. */
export interface ProtectedCollision {
  /** The first protected time the plan overlaps (by start). */
  protectedTime: ProtectedTime;
  /** How many of the agent's protected intervals the plan overlaps. */
  collisions: number;
}

/** The first protected interval any planned shift overlaps, and how many it overlaps; undefined when none. */
export function collisionOf(
  planned: readonly Shift[],
  protectedTime: readonly ProtectedTime[],
): ProtectedCollision | undefined {
  const hit = protectedTime
    .filter((p) => planned.some((s) => overlaps(shiftStartMs(s), shiftEndMs(s), p)))
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const [first] = hit;
  return first === undefined ? undefined : { protectedTime: first, collisions: hit.length };
}

function overlaps(startMs: number, endMs: number, p: ProtectedTime): boolean {
  return startMs < Date.parse(p.end) && Date.parse(p.start) < endMs;
}

/** One line a person reads: "approved time off (request tor-1) on 2026-03-03, 12:00Z–13:00Z". */
export function describeProtectedTime(p: ProtectedTime): string {
  const what =
    p.kind === 'external-activity'
      ? `an activity booked by another system${p.ref ? ` (external activity ${p.ref})` : ''}`
      : `approved ${p.kind === 'full-day-time-off' ? 'full-day ' : ''}time off${p.ref ? ` (time-off request ${p.ref})` : ''}`;
  const when = p.day ? `on ${p.day}` : `from ${p.start} to ${p.end}`;
  return `${what} ${when}`;
}
