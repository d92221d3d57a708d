import type { Plan } from '../model/plan';
import type { DocumentAgent, ScheduleDocument } from './simulator/schedule-document';
import type { Shift } from '../model/shift';
import { seededRandom } from './simulator/random';

export interface SampleOptions {
  /** Default 40. */
  schedules?: number;
  /** Planned agents over all schedules. Default 2,000. */
  agents?: number;
  /** Agents per schedule the plan does not name (other writers edit them too). Default 10. */
  unplannedPerSchedule?: number;
  /** Share of planned agents the schedules do not hold yet (the push adds them). Default 0.1. */
  newAgentShare?: number;
  /** Monday of the week, local date. Default 2026-12-07. */
  weekStart?: string;
  /** Default Asia/Singapore (UTC+8, no daylight saving). */
  timeZone?: string;
  /** Fixed UTC offset of `timeZone`. Default +08:00. */
  utcOffset?: string;
  planId?: string;
  randomSeed?: number;
  /** Prefix of schedule IDs, so runs against one simulator do not collide. Default `sg`. */
  idPrefix?: string;
}

export interface Sample {
  /** What the simulator holds before the push. */
  documents: ScheduleDocument[];
  /** The push: every planned agent gets shifts different from what the schedule holds. */
  plan: Plan;
}

const ACTIVITIES = ['WORK', 'WORK', 'WORK', 'TRAINING', 'COACHING'];

/** A week of contact-centre shifts: the current schedules and a plan that changes every planned agent. */
export function generateSample(options: SampleOptions = {}): Sample {
  const o = {
    schedules: 40,
    agents: 2000,
    unplannedPerSchedule: 10,
    newAgentShare: 0.1,
    weekStart: '2026-12-07',
    timeZone: 'Asia/Singapore',
    utcOffset: '+08:00',
    randomSeed: 7,
    idPrefix: 'sg',
    ...options,
  };
  const random = seededRandom(o.randomSeed);
  const documents: ScheduleDocument[] = [];
  const planSchedules: Plan['schedules'] = [];
  for (let s = 0; s < o.schedules; s++) {
    const scheduleId = `${o.idPrefix}-${String(s + 1).padStart(4, '0')}`;
    const planned = Math.floor(o.agents / o.schedules) + (s < o.agents % o.schedules ? 1 : 0);
    const agents: DocumentAgent[] = [];
    const planAgents: Plan['schedules'][number]['agents'] = [];
    for (let a = 0; a < planned + o.unplannedPerSchedule; a++) {
      const agentId = `${scheduleId}-agent-${String(a + 1).padStart(4, '0')}`;
      const currentStartHour = 8 + Math.floor(random() * 4);
      const isPlanned = a < planned;
      if (!isPlanned || random() >= o.newAgentShare) {
        agents.push({
          agentId,
          workPlanId: `wp-${currentStartHour}`,
          shifts: week(o, currentStartHour, random),
        });
      }
      if (isPlanned) {
        // Start one to three hours later than today, so every planned agent really changes.
        planAgents.push({
          agentId,
          shifts: week(o, currentStartHour + 1 + Math.floor(random() * 3), random),
        });
      }
    }
    documents.push({
      id: scheduleId,
      version: 1,
      weekStart: o.weekStart,
      timeZone: o.timeZone,
      description: `Contact centre ${o.timeZone}, week of ${o.weekStart}`,
      managementUnitId: `mu-${(s % 5) + 1}`,
      agents,
    });
    planSchedules.push({ scheduleId, agents: planAgents });
  }
  return {
    documents,
    plan: { planId: o.planId ?? `sample-${o.idPrefix}-${o.randomSeed}`, schedules: planSchedules },
  };
}

/** Five eight-hour days from the week's Monday, starting at `hour` local time. */
function week(o: { weekStart: string; utcOffset: string }, hour: number, random: () => number): Shift[] {
  const monday = Date.parse(`${o.weekStart}T00:00:00${o.utcOffset}`);
  return Array.from({ length: 5 }, (_, day) => {
    const local = new Date(monday + day * 86_400_000 + hour * 3_600_000);
    return {
      start: toOffsetIso(local, o.utcOffset),
      lengthMinutes: 480,
      activityCode: ACTIVITIES[Math.floor(random() * ACTIVITIES.length)] ?? 'WORK',
    };
  });
}

/** `2026-12-07T09:00:00+08:00`: what a scheduler in Singapore writes. */
function toOffsetIso(instant: Date, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  const shifted = new Date(instant.getTime() + sign * ((h ?? 0) * 60 + (m ?? 0)) * 60_000);
  return `${shifted.toISOString().slice(0, 19)}${offset}`;
}
