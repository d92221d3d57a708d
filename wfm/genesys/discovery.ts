import { z } from 'zod';
import type { Plan } from '../../model/plan';
import { WfmHttp } from '../http-client';
import { downloadedJson } from './download';
import { GenesysWfmAdapter } from './genesys-adapter';
import { parseAnswer } from './json-http';
import type { GenesysOAuthTokens } from './oauth';
import { scheduleMetadataSchema } from './schemas';

/**
 * What a first Genesys plan needs to know of the organisation, read with the worker's settings: business units, their
 * schedule weeks and schedules, management units, agents and activity codes; and a schedule week as a plan file to
 * edit. Read-only. Listings keep the few fields a plan or a person needs; `--json` gives these rows, not the API's.
 */
export interface GenesysDiscoveryOptions {
  apiBaseUrl: string;
  tokens: GenesysOAuthTokens;
  /** Per request, in ms. Default the HTTP client's. */
  requestTimeoutMs?: number;
}

const entityListing = <T extends z.ZodType>(entity: T) =>
  z.looseObject({ entities: z.array(entity).optional(), downloadUrl: z.string().optional() });

const named = z.looseObject({ id: z.string().min(1), name: z.string().optional() });

/** `BusinessUnitListItem`: id, name, division. */
const businessUnitSchema = named.extend({ division: named.optional() });
/** `ManagementUnit` as listed under a business unit. */
const managementUnitSchema = named.extend({ timeZone: z.string().optional() });
/** `BusinessUnitActivityCode`: the id a plan's `activityCode` names, with what it means. */
const activityCodeSchema = named.extend({
  category: z.string().optional(),
  active: z.boolean().optional(),
  defaultCode: z.boolean().optional(),
  lengthInMinutes: z.number().optional(),
  countsAsPaidTime: z.boolean().optional(),
  countsAsWorkTime: z.boolean().optional(),
});
/** `BuScheduleListItem` (`weeks/{weekId}/schedules`). */
const scheduleListItemSchema = z.looseObject({
  id: z.string().min(1),
  weekDate: z.string().optional(),
  weekCount: z.number().optional(),
  description: z.string().optional(),
  published: z.boolean().optional(),
});

export type GenesysListKind =
  'business-units' | 'weeks' | 'schedules' | 'management-units' | 'agents' | 'activity-codes';

export const GENESYS_LIST_KINDS: readonly GenesysListKind[] = [
  'business-units',
  'weeks',
  'schedules',
  'management-units',
  'agents',
  'activity-codes',
];

/** Rows of a listing: the columns a person reads, in order, and the rows (`--json` prints them as they are). */
export interface Listing {
  columns: string[];
  rows: Array<Record<string, string | number | boolean | null>>;
}

export class GenesysDiscovery {
  private readonly http: WfmHttp;
  private readonly base: string;

  constructor(private readonly options: GenesysDiscoveryOptions) {
    this.http = new WfmHttp({
      tokens: options.tokens,
      requestTimeoutMs: options.requestTimeoutMs,
      correlationHeader: 'inin-correlation-id',
    });
    this.base = `${options.apiBaseUrl.replace(/\/$/, '')}/api/v2/workforcemanagement`;
  }

  async businessUnits(): Promise<Listing> {
    const units = await this.entities('GET business units', `${this.base}/businessunits`, businessUnitSchema);
    return {
      columns: ['businessUnitId', 'name', 'division'],
      rows: units.map((u) => ({
        businessUnitId: u.id,
        name: u.name ?? null,
        division: u.division?.name ?? null,
      })),
    };
  }

  /** The weeks that have schedules (Genesys lists 26 weeks either side of today for `recent`). */
  async weeks(businessUnitId: string): Promise<Listing> {
    const schedules = await this.scheduleList(businessUnitId, 'recent');
    const byWeek = new Map<string, { schedules: number; published: number }>();
    for (const s of schedules) {
      const week = s.weekDate ?? '(unknown)';
      const seen = byWeek.get(week) ?? { schedules: 0, published: 0 };
      seen.schedules++;
      if (s.published) seen.published++;
      byWeek.set(week, seen);
    }
    return {
      columns: ['weekId', 'schedules', 'published'],
      rows: [...byWeek.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([weekId, n]) => ({ weekId, schedules: n.schedules, published: n.published })),
    };
  }

  async schedules(businessUnitId: string, weekId: string): Promise<Listing> {
    const schedules = await this.scheduleList(businessUnitId, weekId);
    return {
      columns: ['scheduleId', 'weekId', 'weekCount', 'published', 'description'],
      rows: schedules.map((s) => ({
        scheduleId: s.id,
        weekId: s.weekDate ?? weekId,
        weekCount: s.weekCount ?? null,
        published: s.published ?? null,
        description: s.description ?? null,
      })),
    };
  }

  async managementUnits(businessUnitId: string): Promise<Listing> {
    const units = await this.entities(
      'GET management units',
      `${this.bu(businessUnitId)}/managementunits`,
      managementUnitSchema,
    );
    return {
      columns: ['managementUnitId', 'name', 'timeZone'],
      rows: units.map((u) => ({
        managementUnitId: u.id,
        name: u.name ?? null,
        timeZone: u.timeZone ?? null,
      })),
    };
  }

  /** The agents a schedule covers, by management unit: the IDs a plan's `agentId` names. */
  async agents(businessUnitId: string, weekId: string, scheduleId?: string): Promise<Listing> {
    const id = scheduleId ?? (await this.firstSchedule(businessUnitId, weekId));
    const metadata = await this.metadata(businessUnitId, weekId, id);
    return {
      columns: ['agentId', 'managementUnitId', 'scheduleId'],
      rows: (metadata.managementUnits ?? []).flatMap((mu) =>
        (mu.agents ?? []).map((a) => ({
          agentId: a.id,
          managementUnitId: mu.managementUnit.id,
          scheduleId: id,
        })),
      ),
    };
  }

  async activityCodes(businessUnitId: string): Promise<Listing> {
    const codes = await this.entities(
      'GET activity codes',
      `${this.bu(businessUnitId)}/activitycodes`,
      activityCodeSchema,
    );
    return {
      columns: ['activityCode', 'name', 'category', 'active', 'lengthInMinutes', 'paid'],
      rows: codes.map((c) => ({
        activityCode: c.id,
        name: c.name ?? null,
        category: c.category ?? null,
        active: c.active ?? null,
        lengthInMinutes: c.lengthInMinutes ?? null,
        paid: c.countsAsPaidTime ?? null,
      })),
    };
  }

  /**
   * A schedule week as a plan: every agent the schedule covers with the shifts it holds now, and `basedOn` them, so a
   * push of the edited file changes only what was edited and keeps what a supervisor changes meanwhile (keep-theirs).
   * Approved time off and other systems' activities are not shifts of the plan: a push never touches them.
   */
  async weekAsPlan(input: {
    businessUnitId: string;
    weekId: string;
    scheduleId?: string;
    planId: string;
  }): Promise<Plan> {
    const scheduleId = input.scheduleId ?? (await this.firstSchedule(input.businessUnitId, input.weekId));
    const agentIds = (await this.agents(input.businessUnitId, input.weekId, scheduleId)).rows.map((r) =>
      String(r.agentId),
    );
    const adapter = new GenesysWfmAdapter({
      apiBaseUrl: this.options.apiBaseUrl,
      tokens: this.options.tokens,
      requestTimeoutMs: this.options.requestTimeoutMs,
      // One read; an agent query answered later is polled, not waited for on a channel.
      notifications: false,
    });
    const target = { scheduleId, businessUnitId: input.businessUnitId, weekId: input.weekId, agentIds };
    const read = await adapter.readSchedule(target);
    await adapter.close?.();
    const byId = new Map(read.agents.map((a) => [a.agentId, a]));
    return {
      planId: input.planId,
      schedules: [
        {
          scheduleId,
          businessUnitId: input.businessUnitId,
          weekId: input.weekId,
          agents: agentIds.map((agentId) => {
            const agent = byId.get(agentId);
            const shifts = agent?.shifts ?? [];
            const version = agent?.version === undefined ? undefined : Number(agent.version);
            return {
              agentId,
              shifts,
              basedOn: { shifts, ...(version === undefined || Number.isNaN(version) ? {} : { version }) },
            };
          }),
        },
      ],
    };
  }

  private bu(businessUnitId: string): string {
    return `${this.base}/businessunits/${encodeURIComponent(businessUnitId)}`;
  }

  private async scheduleList(businessUnitId: string, weekId: string) {
    const url = `${this.bu(businessUnitId)}/weeks/${encodeURIComponent(weekId)}/schedules`;
    return this.entities(`GET schedules of week ${weekId}`, url, scheduleListItemSchema);
  }

  private async firstSchedule(businessUnitId: string, weekId: string): Promise<string> {
    const [first] = await this.scheduleList(businessUnitId, weekId);
    if (!first) throw new Error(`business unit ${businessUnitId} has no schedule in week ${weekId}`);
    return first.id;
  }

  private async metadata(businessUnitId: string, weekId: string, scheduleId: string) {
    const what = `GET schedule ${scheduleId}`;
    const url = `${this.bu(businessUnitId)}/weeks/${encodeURIComponent(weekId)}/schedules/${encodeURIComponent(scheduleId)}?expand=managementUnits.agents`;
    return parseAnswer(what, scheduleMetadataSchema, await this.http.send(what, { method: 'GET', url }));
  }

  /** A listing's entities, from the answer or from its download URL (Genesys may send large listings that way). */
  private async entities<T extends z.ZodType>(
    what: string,
    url: string,
    entity: T,
  ): Promise<Array<z.infer<T>>> {
    const schema = entityListing(entity);
    const answer = parseAnswer(what, schema, await this.http.send(what, { method: 'GET', url }));
    if (answer.entities || !answer.downloadUrl) return answer.entities ?? [];
    const download = await this.http.send(`${what} (download)`, {
      method: 'GET',
      url: answer.downloadUrl,
      authorize: false,
      json: false,
    });
    return downloadedJson(`${what} (download)`, schema, download.bytes).entities ?? [];
  }
}
