import type { Plan, SchedulePlan } from '../model/plan';
import { sameShifts } from '../model/shift';
import { agentShiftsFromGenesys } from '../wfm/genesys/shifts';
import type { GenesysShift } from '../wfm/genesys/schemas';
import type { Violation } from './invariants';
import type { CommitRecord } from './simulator/genesys/store';

/** What the check reads of the Genesys simulator's `GET /_sim/state`. */
export interface GenesysSimState {
  schedules: Array<{
    metadata?: { id: string };
    agentSchedules: Array<{ user: { id: string }; shifts: GenesysShift[] }>;
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
 * DESIGN.md's invariants against the Genesys simulator's evidence:
 * - complete: every planned agent holds its planned shifts, unless another writer changed it after the push did;
 * - no lost update: no API write changed an agent the plan does not name;
 * - no redundant write: no API write changed no agent, and none changed a planned agent twice without another writer
 *   changing it in between.
 */
export function checkGenesysInvariants({ plan, state, commits }: GenesysInvariantInput): Violation[] {
  return plan.schedules.flatMap((schedule) => {
    const log = commits.filter((c) => c.scheduleId === schedule.scheduleId);
    const held = state.schedules.find((s) => s.metadata?.id === schedule.scheduleId);
    return [...writeViolations(schedule, log), ...agentViolations(schedule, log, held)];
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
): Violation[] {
  const { scheduleId } = schedule;
  return schedule.agents.flatMap(({ agentId, shifts }): Violation[] => {
    const writers = log.filter((c) => c.agents.some((a) => a.userId === agentId)).map((c) => c.writer);
    const twice = writers.some((w, i) => w === 'api' && writers[i + 1] === 'api');
    const agent = held?.agentSchedules.find((a) => a.user.id === agentId);
    const holds = agent !== undefined && sameShifts(agentShiftsFromGenesys(agent).shifts, shifts);
    const movedLater = writers.includes('api') && writers.at(-1) !== 'api';
    return [
      ...(twice
        ? [
            {
              kind: 'applied-twice' as const,
              scheduleId,
              agentId,
              message: 'written twice by the API in a row',
            },
          ]
        : []),
      ...(holds || movedLater
        ? []
        : [
            { kind: 'incomplete' as const, scheduleId, agentId, message: 'does not hold its planned shifts' },
          ]),
    ];
  });
}
