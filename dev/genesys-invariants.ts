import type { Plan, SchedulePlan } from '../model/plan';
import { shiftStartMs, shiftTimeline, type Shift } from '../model/shift';
import type { Violation } from './invariants';
import type { ApprovedTimeOff, CommitRecord } from './simulator/genesys/store';

/*
 * The checker reads the simulator's state with its own reader, written from the SDK models (reference §1.2, §8), not
 * with the product's: a mistake in the product's reading of a Genesys shift must show up here, not cancel out.
 */

/** An activity as `BuAgentScheduleActivity` has it: the fields the checker looks at. */
interface SimActivity {
  startDate: string;
  lengthMinutes: number;
  activityCodeId: string;
  timeOffRequestId?: string;
  externalActivityId?: string;
}

interface SimShift {
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: SimActivity[];
  manuallyEdited?: boolean;
}

/** What the check reads of the Genesys simulator's `GET /_sim/state`. */
export interface GenesysSimState {
  /** What the seed placed that only its owner may change (absent from simulators that placed none). */
  approvedTimeOff?: ApprovedTimeOff[];
  schedules: Array<{
    metadata?: { id: string };
    agentSchedules: Array<{
      user: { id: string };
      shifts: SimShift[];
      fullDayTimeOffMarkers?: Array<{ businessUnitDate: string; timeOffRequestId?: string }>;
    }>;
  }>;
}

export interface GenesysInvariantInput {
  plan: Plan;
  /** Taken once no other writer runs any more. */
  state: GenesysSimState;
  /** `GET /_sim/commits`: which agents each write changed, and who wrote. */
  commits: CommitRecord[];
}

/**
 * docs/design.md's invariants against the Genesys simulator's evidence:
 * - complete: every planned agent holds its planned shifts (besides the shifts holding protected time), unless
 *   another writer changed it after the push did, or its plan overlaps protected time (then no API write touched it);
 * - no lost update: no API write changed an agent the plan does not name;
 * - no redundant write: no API write changed no agent, and none changed a planned agent twice without another writer
 *   changing it in between;
 * - never lose what the plan did not name: every approved time off, full-day time off and activity booked by another
 *   system the seed placed is still there, and every shift the push wrote is marked `manuallyEdited`.
 */
export function checkGenesysInvariants({ plan, state, commits }: GenesysInvariantInput): Violation[] {
  return plan.schedules.flatMap((schedule) => {
    const log = commits.filter((c) => c.scheduleId === schedule.scheduleId);
    const held = state.schedules.find((s) => s.metadata?.id === schedule.scheduleId);
    const timeOff = (state.approvedTimeOff ?? []).filter((t) => t.scheduleId === schedule.scheduleId);
    return [
      ...writeViolations(schedule, log),
      ...agentViolations(schedule, log, held, timeOff),
      ...timeOffViolations(schedule.scheduleId, held, timeOff),
    ];
  });
}

function writeViolations(schedule: SchedulePlan, log: CommitRecord[]): Violation[] {
  const planned = new Set(schedule.agents.map((a) => a.agentId));
  const { scheduleId } = schedule;
  return log
    .filter((c) => c.writer === 'api')
    .flatMap((c): Violation[] =>
      c.agents.length === 0
        ? [
            {
              kind: 'redundant-write',
              scheduleId,
              version: c.scheduleVersion.to,
              message: 'an API write changed no agent',
            },
          ]
        : c.agents
            .filter((a) => !planned.has(a.userId))
            .map((a) => ({
              kind: 'lost-update',
              scheduleId,
              version: c.scheduleVersion.to,
              agentId: a.userId,
              message: `API write ${c.seq} changed an agent outside the plan (${a.change})`,
            })),
    );
}

function agentViolations(
  schedule: SchedulePlan,
  log: CommitRecord[],
  held: GenesysSimState['schedules'][number] | undefined,
  timeOff: ApprovedTimeOff[],
): Violation[] {
  const { scheduleId } = schedule;
  return schedule.agents.flatMap(({ agentId, shifts }): Violation[] => {
    const writers = log.filter((c) => c.agents.some((a) => a.userId === agentId)).map((c) => c.writer);
    const twice = writers.some((w, i) => w === 'api' && writers[i + 1] === 'api');
    const agent = held?.agentSchedules.find((a) => a.user.id === agentId);
    const own = (agent?.shifts ?? []).filter((s) => !isProtected(s));
    const holds = agent !== undefined && sameTimeline(own, shifts);
    const movedLater = writers.includes('api') && writers.at(-1) !== 'api';
    // A plan overlapping the agent's protected time must not be written: the agent is as it was.
    const collides = overlapsProtected(
      shifts,
      agent,
      timeOff.filter((t) => t.userId === agentId),
    );
    const violations: Violation[] = [];
    if (twice)
      violations.push({
        kind: 'applied-twice',
        scheduleId,
        agentId,
        message: 'written twice by the API in a row',
      });
    if (collides && writers.includes('api'))
      violations.push({
        kind: 'lost-update',
        scheduleId,
        agentId,
        message: 'written although its plan overlaps approved time off or another system’s activity',
      });
    if (!collides && !holds && !movedLater)
      violations.push({
        kind: 'incomplete',
        scheduleId,
        agentId,
        message: 'does not hold its planned shifts',
      });
    if (writers.at(-1) === 'api' && own.some((s) => s.manuallyEdited !== true))
      violations.push({
        kind: 'incomplete',
        scheduleId,
        agentId,
        message: 'a shift the push wrote is not marked manuallyEdited (a reschedule run may overwrite it)',
      });
    return violations;
  });
}

/** Every time off and booked activity the seed placed is still in the agent's schedule, by its request or id. */
function timeOffViolations(
  scheduleId: string,
  held: GenesysSimState['schedules'][number] | undefined,
  timeOff: ApprovedTimeOff[],
): Violation[] {
  return timeOff.flatMap((t): Violation[] => {
    const agent = held?.agentSchedules.find((a) => a.user.id === t.userId);
    const refs = new Set([
      ...(agent?.shifts ?? []).flatMap((s) =>
        s.activities.flatMap((a) => [a.timeOffRequestId, a.externalActivityId]),
      ),
      ...(agent?.fullDayTimeOffMarkers ?? []).map((m) => m.timeOffRequestId),
    ]);
    return refs.has(t.ref)
      ? []
      : [
          {
            kind: 'lost-update',
            scheduleId,
            agentId: t.userId,
            message: `${t.kind} ${t.ref} on ${t.day} is gone`,
          },
        ];
  });
}

function isProtected(shift: SimShift): boolean {
  return shift.activities.some((a) => a.timeOffRequestId || a.externalActivityId);
}

/** The agent's shifts hold exactly the planned shifts: the same spans, and the same activities at the same times. */
function sameTimeline(held: SimShift[], planned: readonly Shift[]): boolean {
  const heldKeys = held.flatMap((s) => [
    `shift ${Date.parse(s.startDate)} ${s.lengthMinutes}`,
    ...s.activities.map((a) => `activity ${Date.parse(a.startDate)} ${a.lengthMinutes} ${a.activityCodeId}`),
  ]);
  const plannedKeys = planned.flatMap((s) => [
    `shift ${shiftStartMs(s)} ${s.lengthMinutes}`,
    ...shiftTimeline(s).map((a) => `activity ${shiftStartMs(a)} ${a.lengthMinutes} ${a.activityCode}`),
  ]);
  return heldKeys.sort().join('\n') === plannedKeys.sort().join('\n');
}

function overlapsProtected(
  planned: readonly Shift[],
  agent: GenesysSimState['schedules'][number]['agentSchedules'][number] | undefined,
  timeOff: ApprovedTimeOff[],
): boolean {
  const spans = [
    ...(agent?.shifts ?? [])
      .filter(isProtected)
      .map((s) => [Date.parse(s.startDate), Date.parse(s.startDate) + s.lengthMinutes * 60_000] as const),
    // A full-day time off: the checker knows its day; the business unit's zone makes it at most a day wider.
    ...timeOff
      .filter((t) => t.kind === 'full-day-time-off')
      .map(
        (t) =>
          [
            Date.parse(`${t.day}T00:00:00Z`) - 14 * 3_600_000,
            Date.parse(`${t.day}T00:00:00Z`) + 38 * 3_600_000,
          ] as const,
      ),
  ];
  return planned.some((s) => {
    const start = shiftStartMs(s);
    const end = start + s.lengthMinutes * 60_000;
    return spans.some(([from, to]) => start < to && from < end);
  });
}
