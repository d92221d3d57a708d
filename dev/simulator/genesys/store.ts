import type { FullDayTimeOffMarker, GenesysShift } from '../../../wfm/genesys/schemas';
import type { GenesysSimulatorOptions } from './options';

export interface ManagementUnit {
  id: string;
  agentIds: string[];
}

export interface BusinessUnit {
  id: string;
  timeZone: string;
  managementUnits: ManagementUnit[];
}

/** Who last changed an entity, and when: Genesys `metadata` minus the version. */
export interface Modified {
  dateModified: string;
  modifiedBy: string;
}

/** One agent's schedule in one schedule, with its own optimistic-concurrency version (§2). */
export interface AgentScheduleRecord extends Modified {
  userId: string;
  managementUnitId: string;
  version: number;
  shifts: GenesysShift[];
  fullDayTimeOffMarkers: FullDayTimeOffMarker[];
}

export interface StoredSchedule extends Modified {
  businessUnitId: string;
  weekId: string;
  id: string;
  description: string;
  published: boolean;
  version: number;
  agents: Map<string, AgentScheduleRecord>;
}

/** Time off and booked activities the seed placed: the evidence that a push lost none of them. */
export interface ApprovedTimeOff {
  scheduleId: string;
  userId: string;
  kind: 'time-off' | 'full-day-time-off' | 'external-activity';
  /** The `timeOffRequestId` or `externalActivityId`. */
  ref: string;
  /** The shift's day, or the marker's business-unit date (`yyyy-MM-dd`). */
  day: string;
}

/** Who wrote: the API (a client), the simulated other writer, or a test through `/_sim/edit`. */
export type Writer = 'api' | 'other-writer' | 'manual';

export interface AgentChange {
  userId: string;
  change: 'added' | 'edited' | 'deleted';
  fromVersion?: number;
  toVersion?: number;
}

/** One committed write: the evidence tests check invariants against (which agents changed, by whom). */
export interface CommitRecord {
  seq: number;
  atMs: number;
  writer: Writer;
  /** The OAuth client of an API write. */
  clientId?: string;
  operationId?: string;
  businessUnitId: string;
  weekId: string;
  scheduleId: string;
  scheduleVersion: { from: number; to: number };
  agents: AgentChange[];
}

/** A random UUID v4 drawn from `random`, so a seed gives the same ids. */
export function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `2026-03-02T14:00:00Z`: instants as Genesys writes them. */
export function utcInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

const DAY_MS = 86_400_000;

/** The organisation and its schedules. All state of the simulated WFM data lives here, on the instance. */
export class GenesysStore {
  readonly businessUnits: BusinessUnit[] = [];
  readonly commits: CommitRecord[] = [];
  readonly approvedTimeOff: ApprovedTimeOff[] = [];
  private readonly schedules = new Map<string, StoredSchedule>();

  constructor(
    private readonly now: () => Date,
    private readonly random: () => number,
  ) {}

  /** Builds the organisation of `seed`: one schedule per week and business unit, five shifts per agent. */
  seed(seed: GenesysSimulatorOptions['seed']): void {
    const at = utcInstant(this.now().getTime());
    for (let b = 0; b < seed.businessUnits; b++) {
      const bu: BusinessUnit = {
        id: uuidFrom(this.random),
        timeZone: seed.businessUnitTimeZone,
        managementUnits: [],
      };
      for (let m = 0; m < seed.managementUnitsPerBu; m++) {
        const agentIds = Array.from({ length: seed.agentsPerMu }, () => uuidFrom(this.random));
        bu.managementUnits.push({ id: uuidFrom(this.random), agentIds });
      }
      this.businessUnits.push(bu);
      for (const weekId of seed.weeks) {
        const schedule: StoredSchedule = {
          businessUnitId: bu.id,
          weekId,
          id: uuidFrom(this.random),
          description: `Week of ${weekId}`,
          published: seed.published,
          version: 1,
          dateModified: at,
          modifiedBy: 'seed',
          agents: new Map(),
        };
        for (const mu of bu.managementUnits)
          for (const userId of mu.agentIds) {
            const agent: AgentScheduleRecord = {
              userId,
              managementUnitId: mu.id,
              version: 1,
              dateModified: at,
              modifiedBy: 'seed',
              shifts: this.weekdayShifts(weekId, schedule),
              fullDayTimeOffMarkers: [],
            };
            if (this.random() < seed.timeOffShare)
              this.placeTimeOff(agent, schedule, this.approvedTimeOff.length % 3);
            schedule.agents.set(userId, agent);
          }
        this.schedules.set(key(bu.id, weekId, schedule.id), schedule);
      }
    }
  }

  businessUnit(id: string): BusinessUnit | undefined {
    return this.businessUnits.find((b) => b.id === id);
  }

  /** The management unit an agent belongs to in a business unit. */
  managementUnitOf(bu: BusinessUnit, userId: string): ManagementUnit | undefined {
    return bu.managementUnits.find((m) => m.agentIds.includes(userId));
  }

  schedule(businessUnitId: string, weekId: string, scheduleId: string): StoredSchedule | undefined {
    return this.schedules.get(key(businessUnitId, weekId, scheduleId));
  }

  allSchedules(): StoredSchedule[] {
    return [...this.schedules.values()];
  }

  record(commit: Omit<CommitRecord, 'seq' | 'atMs'>): CommitRecord {
    const full = { seq: this.commits.length + 1, atMs: this.now().getTime(), ...commit };
    this.commits.push(full);
    return full;
  }

  /** Another writer moves one shift of one agent (random unless named) by 15 minutes and bumps its version. */
  editByOtherWriter(
    writer: Writer,
    bumpScheduleVersion: boolean,
    target?: { schedule?: StoredSchedule; userId?: string },
  ): CommitRecord | undefined {
    const schedules = target?.schedule ? [target.schedule] : this.allSchedules();
    const schedule = schedules[Math.floor(this.random() * schedules.length)];
    const agents = schedule
      ? [...schedule.agents.values()].filter(
          (a) => a.shifts.length > 0 && (!target?.userId || a.userId === target.userId),
        )
      : [];
    const agent = agents[Math.floor(this.random() * agents.length)];
    if (!schedule || !agent) return undefined;
    const shift = agent.shifts[Math.floor(this.random() * agent.shifts.length)];
    if (!shift) return undefined;
    const move = (iso: string) => utcInstant(Date.parse(iso) + 15 * 60_000);
    shift.startDate = move(shift.startDate);
    shift.activities = shift.activities.map((a) => ({ ...a, startDate: move(a.startDate) }));
    shift.manuallyEdited = true;
    const at = utcInstant(this.now().getTime());
    const fromVersion = agent.version;
    Object.assign(agent, { version: agent.version + 1, dateModified: at, modifiedBy: writer });
    const from = schedule.version;
    if (bumpScheduleVersion)
      Object.assign(schedule, { version: from + 1, dateModified: at, modifiedBy: writer });
    return this.record({
      writer,
      businessUnitId: schedule.businessUnitId,
      weekId: schedule.weekId,
      scheduleId: schedule.id,
      scheduleVersion: { from, to: schedule.version },
      agents: [{ userId: agent.userId, change: 'edited', fromVersion, toVersion: agent.version }],
    });
  }

  /**
   * Kind 0: approved time off 12:00-16:00 in the second day's shift; 1: a full-day time off on the fourth day (its
   * shift removed); 2: 08:00-10:00 of the third day's shift booked by another system. Recorded in `approvedTimeOff`.
   */
  private placeTimeOff(agent: AgentScheduleRecord, schedule: StoredSchedule, kind: number): void {
    const ref = uuidFrom(this.random);
    const dayOf = (i: number) =>
      utcInstant(Date.parse(`${schedule.weekId}T00:00:00Z`) + i * DAY_MS).slice(0, 10);
    const at = (day: number, hour: number) => `${dayOf(day)}T${String(hour).padStart(2, '0')}:00:00Z`;
    const record = (k: ApprovedTimeOff['kind'], day: number) =>
      this.approvedTimeOff.push({
        scheduleId: schedule.id,
        userId: agent.userId,
        kind: k,
        ref,
        day: dayOf(day),
      });
    if (kind === 1) {
      agent.shifts = agent.shifts.filter((s) => !s.startDate.startsWith(dayOf(3)));
      agent.fullDayTimeOffMarkers.push({
        businessUnitDate: dayOf(3),
        lengthMinutes: 480,
        activityCodeId: '2',
        description: 'Vacation',
        paid: true,
        payableMinutes: 480,
        timeOffRequestId: ref,
        timeOffRequestSyncVersion: 1,
      });
      record('full-day-time-off', 3);
      return;
    }
    const day = kind === 0 ? 1 : 2;
    const shift = agent.shifts.find((s) => s.startDate.startsWith(dayOf(day)));
    if (!shift) return;
    const part = (from: number, to: number, extra: { activityCodeId: string } & Record<string, unknown>) => ({
      startDate: at(day, from),
      lengthMinutes: (to - from) * 60,
      description: '',
      ...extra,
    });
    shift.activities =
      kind === 0
        ? [
            part(8, 12, { activityCodeId: '0', paid: true }),
            part(12, 16, {
              activityCodeId: '2',
              paid: true,
              timeOffRequestId: ref,
              timeOffRequestSyncVersion: 1,
            }),
          ]
        : [
            part(8, 10, { activityCodeId: '3', externalActivityId: ref, externalActivityType: 'Training' }),
            part(10, 16, { activityCodeId: '0', paid: true }),
          ];
    record(kind === 0 ? 'time-off' : 'external-activity', day);
  }

  /** Monday to Friday, 08:00 to 16:00 UTC from the week's first day, one activity per shift. */
  private weekdayShifts(weekId: string, schedule: Pick<StoredSchedule, 'id' | 'weekId'>): GenesysShift[] {
    const weekStartMs = Date.parse(`${weekId}T00:00:00Z`);
    return Array.from({ length: 5 }, (_, day) => {
      const startDate = utcInstant(weekStartMs + day * DAY_MS + 8 * 3_600_000);
      return {
        id: uuidFrom(this.random),
        startDate,
        lengthMinutes: 480,
        schedule: { id: schedule.id, weekDate: schedule.weekId },
        activities: [{ startDate, lengthMinutes: 480, activityCodeId: '0', description: '', paid: true }],
      };
    });
  }
}

function key(businessUnitId: string, weekId: string, scheduleId: string): string {
  return `${businessUnitId}/${weekId}/${scheduleId}`;
}
