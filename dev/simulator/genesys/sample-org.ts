import type { Plan } from '../../../model/plan';
import { SIM_CLIENT, type GenesysSimulatorOptionsInput } from './options';

/**
 * Genesys caps a management unit at 1,500 agents and a business unit at 5,000 (supported configuration, reference
 * §8); the sample organisation fills units of up to this many agents, so a demo's business unit looks like a real one.
 */
export const MAX_AGENTS_PER_MU = 1500;
export const FIRST_SAMPLE_WEEK = '2026-12-07';
const DAY_MS = 86_400_000;

export interface SampleOrgOptions {
  /** Agents over all business units (rounded up so that every management unit has as many). */
  agents: number;
  businessUnits?: number;
  weeks?: number;
  timeZone?: string;
  /** Share of agents with approved time off or another system's activity (see the simulator's `seed.timeOffShare`). */
  timeOffShare?: number;
}

/** The simulator's `seed` for `agents` spread over business units and management units of up to 50 agents. */
export function sampleOrgSeed({
  agents,
  businessUnits = 1,
  weeks = 1,
  timeZone = 'Asia/Singapore',
  timeOffShare = 0,
}: SampleOrgOptions): NonNullable<GenesysSimulatorOptionsInput['seed']> {
  const perBu = Math.ceil(agents / businessUnits);
  const managementUnitsPerBu = Math.max(1, Math.ceil(perBu / MAX_AGENTS_PER_MU));
  return {
    businessUnits,
    managementUnitsPerBu,
    agentsPerMu: Math.ceil(perBu / managementUnitsPerBu),
    weeks: Array.from({ length: weeks }, (_, i) => addDays(FIRST_SAMPLE_WEEK, 7 * i)),
    businessUnitTimeZone: timeZone,
    timeOffShare,
  };
}

/** What the sample plan needs of a seeded schedule: the store's `StoredSchedule` fits. */
export interface SeededSchedule {
  id: string;
  businessUnitId: string;
  weekId: string;
  agents: ReadonlyMap<string, unknown>;
}

/** The environment of a worker in genesys mode against the simulator at `url`, logging in as SIM_CLIENT. */
export function simulatorWorkerEnv(url: string): Record<string, string> {
  return {
    WFM_API_STYLE: 'genesys',
    WFM_BASE_URL: url,
    WFM_LOGIN_URL: url,
    GENESYS_CLIENT_ID: SIM_CLIENT.id,
    GENESYS_CLIENT_SECRET: SIM_CLIENT.secret,
  };
}

/**
 * A plan for the seeded organisation: every schedule, its first `agentsPerSchedule` agents (default all) each with one
 * four-hour shift on the week's second day (activity code '0'), every second one with a 15-minute break laid over it
 * (code '1', a break in Genesys' default codes) so shifts of several activities are pushed too. Other agents stay
 * untouched.
 */
export function sampleGenesysPlan(
  schedules: SeededSchedule[],
  { agentsPerSchedule, planId }: { agentsPerSchedule?: number; planId?: string } = {},
): Omit<Plan, 'planId'> & { planId?: string } {
  return {
    ...(planId === undefined ? {} : { planId }),
    schedules: schedules.map((s) => ({
      scheduleId: s.id,
      businessUnitId: s.businessUnitId,
      weekId: s.weekId,
      agents: [...s.agents.keys()].slice(0, agentsPerSchedule ?? s.agents.size).map((agentId, i) => ({
        agentId,
        shifts: [
          {
            start: `${addDays(s.weekId, 1)}T15:00:00Z`,
            lengthMinutes: 240,
            activityCode: '0',
            ...(i % 2 === 1
              ? {
                  activities: [
                    { start: `${addDays(s.weekId, 1)}T17:00:00Z`, lengthMinutes: 15, activityCode: '1' },
                  ],
                }
              : {}),
          },
        ],
      })),
    })),
  };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
