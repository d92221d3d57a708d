import { gzipSync } from 'node:zlib';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../model/failures';
import { hostOf } from '../../model/wfm-problem';
import { WfmHttp, type WfmHttpOptions } from '../http-client';
import type {
  AgentChange,
  AgentState,
  ScheduleSnapshot,
  ScheduleTarget,
  WfmCall,
  WfmPort,
  WfmUnit,
} from '../port';
import { readAgent } from './agent-reading';
import { downloadedJson } from './download';
import { parseAnswer, postJson } from './json-http';
import {
  GenesysNotifications,
  agentQueryTopic,
  schedulesTopic,
  type GenesysNotificationsOptions,
} from './notifications';
import { UpdateOutcomes } from './update-outcomes';
import {
  agentSchedulesQueryResponseSchema,
  agentSchedulesResultSchema,
  scheduleAsyncResponseSchema,
  scheduleMetadataSchema,
  updateUploadUrlResponseSchema,
  type AgentSchedulesResult,
  scheduleUpdateUploadSchema,
} from './schemas';
import { genesysShiftFrom } from './shifts';
import { OutboundPolicy, uploadHeaders } from '../url-policy';

/**
 * Genesys notifies at most the first 1,000 agents of a change to a published schedule (earliest change first) and
 * advises changing at most 1,000 agents per update (reference §8): no update of this adapter names more.
 */
export const GENESYS_AGENTS_PER_UPDATE = 1000;

export interface GenesysAdapterOptions extends WfmHttpOptions {
  /** e.g. `https://api.apse1.pure.cloud` (see `genesysEndpoints`). */
  apiBaseUrl: string;
  /** How long an asynchronous query or update may stay Processing before the schedule is read again, in ms. Default 15 s. */
  asyncWaitMs?: number;
  /** How often a Processing update's schedule version is looked at when no notification comes, in ms. Default 1 s. */
  asyncPollMs?: number;
  /**
   * The notification channel that tells how a Processing update or agent query ended (§1.1 step 7, §6, §8); `false`:
   * never open one (updates are polled; a query answered Processing fails as transient). Default on.
   */
  notifications?: false | Partial<Omit<GenesysNotificationsOptions, 'http'>>;
  /**
   * How long a Processing update waits for its notification before the schedule's version is polled instead (for the
   * rest of `asyncWaitMs`), in ms. Default two thirds of `asyncWaitMs`.
   */
  notificationWaitMs?: number;
  /**
   * The `{id}` of `v2.workforcemanagement.users.{id}.schedules.query`, where a query answered Processing is completed.
   * Which id a client-credentials caller gets is not settled publicly (reference §8); the worker passes the OAuth
   * client id unless `GENESYS_QUERY_NOTIFY_ID` says otherwise.
   */
  queryNotifyId?: string;
  /**
   * Where the upload, download and channel URLs Genesys hands over may point (wfm/url-policy.ts). Default: the
   * API's own host only, https unless the API itself is plain http.
   */
  outbound?: OutboundPolicy;
}

/** What a snapshot keeps to write the agents back: per read agent its version and the shifts a write may replace. */
interface GenesysRaw {
  scheduleUrl: string;
  businessUnitId: string;
  /** The plan asks to publish the schedule if it is not published yet. */
  publish: boolean;
  agents: Map<string, { version: number; shiftIds: string[] }>;
}

/** How long a read agent → management unit map is trusted before the schedule's agents are listed again. */
const UNIT_MAP_TTL_MS = 5 * 60_000;
const UNIT_MAPS_KEPT = 64;
/** A query whose notification cannot be had is retried after this long: a permission is not granted in seconds. */
const UNNOTIFIABLE_RETRY_MS = 5 * 60_000;

/**
 * Genesys Cloud WFM behind the port (reference: docs/reference/genesys-wfm.md §1.1, §8). A Genesys schedule is a
 * business-unit week, up to 5,000 agents edited by supervisors all day, so the adapter reads per agent: the sync asks
 * for a chunk of planned agents at a time (`readsPerAgent`), and a read queries only those agents, per management
 * unit. A write names only the changed agents, each with the version it was read at; it deletes only the shifts the
 * read found writable (never one holding approved time off or an activity of another system, see `agent-reading.ts`),
 * adds the planned ones marked `manuallyEdited`, and reads the schedule's version last, right before the upload, so
 * another writer's edits elsewhere in the week do not refuse it. At most 1,000 agents per update, so every changed
 * agent of a published schedule is notified. Any doubt (an update still Processing, `status: Error` without a
 * reason) is a version conflict: the sync reads the chunk again and rebases; nothing is applied twice.
 */
export class GenesysWfmAdapter implements WfmPort {
  readonly readsPerAgent = true;
  readonly maxAgentsPerWrite = GENESYS_AGENTS_PER_UPDATE;
  private readonly http: WfmHttp;
  private readonly asyncWaitMs: number;
  private readonly notifications: GenesysNotifications | undefined;
  private readonly outcomes: UpdateOutcomes;
  private readonly unitMaps = new Map<string, { atMs: number; unitOf: Map<string, string> }>();
  private readonly outbound: OutboundPolicy;

  constructor(private readonly options: GenesysAdapterOptions) {
    this.http = new WfmHttp({ ...options, correlationHeader: 'inin-correlation-id' });
    this.outbound =
      options.outbound ?? new OutboundPolicy({ ownUrls: [options.apiBaseUrl], allowedHosts: [] });
    this.asyncWaitMs = options.asyncWaitMs ?? 15_000;
    this.notifications =
      options.notifications === false
        ? undefined
        : new GenesysNotifications({
            apiBaseUrl: options.apiBaseUrl,
            outbound: this.outbound,
            ...options.notifications,
            http: this.http,
          });
    this.outcomes = new UpdateOutcomes({
      http: this.http,
      notifications: this.notifications,
      asyncWaitMs: this.asyncWaitMs,
      asyncPollMs: options.asyncPollMs ?? 1000,
      notificationWaitMs: Math.min(
        this.asyncWaitMs,
        options.notificationWaitMs ?? Math.round((this.asyncWaitMs * 2) / 3),
      ),
      onNotified: options.metrics && ((seconds) => options.metrics?.genesysNotification(seconds)),
    });
  }

  /** An OAuth token for the client: the login host answers and takes the client's credentials. */
  async checkReach(): Promise<string> {
    await this.options.tokens.token();
    return `Genesys Cloud granted the OAuth client a token (API ${hostOf(this.options.apiBaseUrl)})`;
  }

  /**
   * A chunk's read (the schedule's version, its agents' query, a second query when the chunk spans two management
   * units) and each write based on it (version, upload URL, upload, update) as one unit at the rate limiter: once
   * admitted, they go out back to back, so a supervisor has as little time as the network allows to move what was read.
   */
  readWriteUnit(writes: number, call: WfmCall): Promise<WfmUnit> {
    return this.http.reserve(3 + 4 * writes, call);
  }

  /** Closes the notification channel's websocket and its timers; the worker calls it once it has stopped. */
  async close(): Promise<void> {
    await this.notifications?.close();
  }

  async readSchedule(target: ScheduleTarget, call: WfmCall = {}): Promise<ScheduleSnapshot> {
    const scheduleUrl = this.scheduleUrl(target);
    const { version, unitOf } = await this.scheduleAndUnits(scheduleUrl, target, call);
    const byUnit = new Map<string, string[]>();
    for (const agentId of target.agentIds) {
      const unit = unitOf.get(agentId);
      if (unit) byUnit.set(unit, [...(byUnit.get(unit) ?? []), agentId]);
    }
    const raw: GenesysRaw = {
      scheduleUrl,
      businessUnitId: target.businessUnitId ?? '',
      publish: target.publish === true,
      agents: new Map(),
    };
    const agents: AgentState[] = [];
    for (const [managementUnitId, userIds] of byUnit) {
      const result = await this.queryAgents(scheduleUrl, managementUnitId, userIds, call);
      for (const schedule of result.agentSchedules) {
        const reading = readAgent(schedule, result.businessUnitTimeZone);
        raw.agents.set(schedule.user.id, {
          version: schedule.metadata.version,
          shiftIds: reading.writableShiftIds,
        });
        agents.push({
          agentId: schedule.user.id,
          shifts: reading.shifts,
          version: String(schedule.metadata.version),
          ...(reading.protectedTime.length > 0 ? { protectedTime: reading.protectedTime } : {}),
        });
      }
      // An agent the unit map placed here and the unit does not hold may have moved: list the units again next read.
      if (userIds.some((id) => !raw.agents.has(id))) this.unitMaps.delete(scheduleUrl);
    }
    // A planned agent the schedule lacks has no schedule yet: no shifts, and no version to send.
    return { scheduleId: target.scheduleId, version: String(version), agents, raw };
  }

  async writeAgents(
    base: ScheduleSnapshot,
    changes: AgentChange[],
    call: WfmCall = {},
  ): Promise<ScheduleSnapshot> {
    const raw = base.raw as GenesysRaw;
    const what = `update schedule ${base.scheduleId}`;
    if (changes.length > GENESYS_AGENTS_PER_UPDATE)
      throw new Error(
        `${what}: ${changes.length} agents in one update; at most ${GENESYS_AGENTS_PER_UPDATE}`,
      );
    // The business unit's topic is subscribed before the update starts, so its notification cannot be missed; the
    // channel opens meanwhile (once per process), and never fails the write: without it, the update is polled.
    const watching = (
      this.notifications?.watch(raw.businessUnitId, call.signal) ?? Promise.resolve(false)
    ).catch(() => false);
    const agentSchedules = earliestChangeFirst(changes).map((change) => {
      const known = raw.agents.get(change.agentId);
      return {
        userId: change.agentId,
        ...(known ? { metadata: { version: known.version } } : {}),
        shifts: [
          ...(known?.shiftIds ?? []).map((id) => ({ id, delete: true })),
          ...change.shifts.map(genesysShiftFrom),
        ],
      };
    });
    // The schedule's version last: supervisors move it all day, and each agent's own version guards what is written.
    // From here the metadata read, upload URL, upload and update go out back to back.
    const { version: scheduleVersion, published } = await this.scheduleState(what, raw.scheduleUrl, call);
    // Checked against the documented upload schema before it leaves: a malformed update is a bug here, not a retry.
    // `published` only ever true, and only when the plan asks to publish an unpublished schedule (a published one
    // cannot be unpublished); never a full-day marker (left out = kept).
    const upload = scheduleUpdateUploadSchema.parse({
      metadata: { version: scheduleVersion },
      ...(raw.publish && published === false ? { published: true } : {}),
      agentSchedules,
    });
    const gzipped = gzipSync(JSON.stringify(upload));
    const target = parseAnswer(
      what,
      updateUploadUrlResponseSchema,
      await this.http.send(
        what,
        postJson(`${raw.scheduleUrl}/update/uploadurl`, { contentLengthBytes: gzipped.length }),
        call,
      ),
    );
    // The signed URL gets the headers it was issued with that an upload needs (no others), and never the bearer token;
    // it must point where the outbound policy allows (the WFM chose it).
    await this.outbound.require(`${what}: upload URL`, target.url);
    await this.http.send(
      what,
      {
        method: 'PUT',
        url: target.url,
        headers: uploadHeaders(target.headers),
        body: gzipped,
        authorize: false,
        json: false,
      },
      call,
    );
    const notified = await watching;
    const started = parseAnswer(
      what,
      scheduleAsyncResponseSchema,
      await this.http.send(
        what,
        postJson(`${raw.scheduleUrl}/update`, { uploadKey: target.uploadKey }),
        call,
      ),
    );
    const nowPublished = published === true || upload.published === true;
    const version = await this.outcomes.versionAfter(
      what,
      raw.scheduleUrl,
      scheduleVersion,
      started,
      notified,
      call,
      { topic: schedulesTopic(raw.businessUnitId), scheduleId: base.scheduleId },
    );
    return { ...afterWrite(base, raw, changes, version), published: nowPublished };
  }

  /** The schedule's current version and whether it is published (GET without expansion: a few hundred bytes). */
  private async scheduleState(
    what: string,
    scheduleUrl: string,
    call: WfmCall,
  ): Promise<{ version: number; published: boolean | undefined }> {
    const metadata = parseAnswer(
      what,
      scheduleMetadataSchema,
      await this.http.send(what, { method: 'GET', url: scheduleUrl }, call),
    );
    return { version: metadata.metadata.version, published: metadata.published };
  }

  /**
   * The schedule's version, and which management unit holds each agent: listed with `expand=managementUnits.agents`
   * (up to 5,000 agents) once per `UNIT_MAP_TTL_MS` or when a planned agent is not in the map; else the plain GET.
   */
  private async scheduleAndUnits(
    scheduleUrl: string,
    target: ScheduleTarget,
    call: WfmCall,
  ): Promise<{ version: number; unitOf: Map<string, string> }> {
    const what = `GET schedule ${target.scheduleId}`;
    const known = this.unitMaps.get(scheduleUrl);
    if (
      known &&
      Date.now() - known.atMs < UNIT_MAP_TTL_MS &&
      target.agentIds.every((id) => known.unitOf.has(id))
    )
      return { version: (await this.scheduleState(what, scheduleUrl, call)).version, unitOf: known.unitOf };
    const metadata = parseAnswer(
      what,
      scheduleMetadataSchema,
      await this.http.send(
        what,
        { method: 'GET', url: `${scheduleUrl}?expand=managementUnits.agents` },
        call,
      ),
    );
    const unitOf = new Map<string, string>();
    for (const unit of metadata.managementUnits ?? [])
      for (const agent of unit.agents ?? []) unitOf.set(agent.id, unit.managementUnit.id);
    this.unitMaps.delete(scheduleUrl);
    this.unitMaps.set(scheduleUrl, { atMs: Date.now(), unitOf });
    for (const old of this.unitMaps.keys()) {
      if (this.unitMaps.size <= UNIT_MAPS_KEPT) break;
      this.unitMaps.delete(old);
    }
    return { version: metadata.metadata.version, unitOf };
  }

  /**
   * Some agents' schedules in one management unit: inline, from a download URL, or, when Genesys answers Processing,
   * from the download URL its notification on `users.{id}.schedules.query` brings (there is no status route, and a
   * second POST would start a second operation; reference §8). The topic is subscribed before the query is sent.
   */
  private async queryAgents(
    scheduleUrl: string,
    managementUnitId: string,
    userIds: string[],
    call: WfmCall,
  ): Promise<AgentSchedulesResult> {
    const what = `query agent schedules of management unit ${managementUnitId}`;
    const topic = agentQueryTopic(this.options.queryNotifyId ?? '');
    const watched =
      this.options.queryNotifyId !== undefined &&
      ((await this.notifications?.watchTopic(topic, call.signal).catch(() => false)) ?? false);
    const answer = parseAnswer(
      what,
      agentSchedulesQueryResponseSchema,
      await this.http.send(
        what,
        postJson(`${scheduleUrl}/agentschedules/query`, { managementUnitId, userIds }),
        call,
      ),
    );
    if (answer.status === 'Complete' && answer.result) return answer.result;
    let downloadUrl = answer.status === 'Complete' ? answer.downloadUrl : undefined;
    if (answer.status === 'Processing' && answer.operationId !== undefined) {
      if (!watched) throw this.unnotifiable(what, topic);
      const outcome = await this.notifications?.outcome(
        { topic },
        answer.operationId,
        this.asyncWaitMs,
        call.signal,
      );
      downloadUrl = outcome?.downloadUrl;
      if (!downloadUrl)
        throw ApplicationFailure.create({
          type: FailureType.Transient,
          message: `${what}: Processing, and no notification on ${topic} within ${Math.round(this.asyncWaitMs / 1000)} s`,
        });
    }
    if (!downloadUrl)
      throw ApplicationFailure.create({
        type: FailureType.Transient,
        message: `${what}: ended ${answer.status}`,
      });
    // A signed URL: no bearer token goes with it, and only where the outbound policy allows (Genesys chose it). The
    // body is read as bytes (gzip or plain JSON, any content type).
    await this.outbound.require(`${what}: download URL`, downloadUrl);
    const download = await this.http.send(
      what,
      { method: 'GET', url: downloadUrl, authorize: false, json: false },
      call,
    );
    return downloadedJson(what, agentSchedulesResultSchema, download.bytes, this.options.maxResponseBytes);
  }

  /** A query answered Processing whose notification this worker cannot receive: transient, retried after minutes. */
  private unnotifiable(what: string, topic: string): ApplicationFailure {
    const refusal = this.notifications?.refusal(topic);
    const why =
      this.notifications === undefined
        ? `the notification channel is off, so nothing receives ${topic}`
        : refusal
          ? `the subscription to ${topic} was refused: ${refusal}`
          : `no subscription to ${topic} (the channel is not open; the OAuth client needs wfm:schedule:view and the notifications permission)`;
    return ApplicationFailure.create({
      type: FailureType.Transient,
      message: `${what}: Genesys answered Processing and delivers the result only by notification; ${why}`,
      nextRetryDelay: UNNOTIFIABLE_RETRY_MS,
    });
  }

  private scheduleUrl({ scheduleId, businessUnitId, weekId }: ScheduleTarget): string {
    if (!businessUnitId || !weekId)
      throw ApplicationFailure.create({
        type: FailureType.Rejected,
        message: `schedule ${scheduleId}: the plan gives no businessUnitId or weekId, which Genesys Cloud needs`,
        nonRetryable: true,
      });
    const base = this.options.apiBaseUrl.replace(/\/$/, '');
    const path = [businessUnitId, 'weeks', weekId, 'schedules', scheduleId].map(encodeURIComponent).join('/');
    return `${base}/api/v2/workforcemanagement/businessunits/${path}`;
  }
}

/** Genesys notifies the earliest changes first; in this order, the agents whose change comes soonest lead. */
function earliestChangeFirst(changes: readonly AgentChange[]): AgentChange[] {
  const firstStart = (c: AgentChange) =>
    c.shifts.reduce((min, s) => Math.min(min, Date.parse(s.start)), Number.POSITIVE_INFINITY);
  return [...changes].sort((a, b) => firstStart(a) - firstStart(b));
}

/** The snapshot after a write landed at `version`: written agents hold the plan; their versions are unknown now. */
function afterWrite(
  base: ScheduleSnapshot,
  raw: GenesysRaw,
  changes: AgentChange[],
  version: number,
): ScheduleSnapshot {
  const changed = new Map(changes.map((c) => [c.agentId, c.shifts]));
  const agents = new Map(raw.agents);
  for (const id of changed.keys()) agents.delete(id);
  return {
    ...base,
    version: String(version),
    agents: [
      ...base.agents.filter((a) => !changed.has(a.agentId)),
      ...changes.map((c) => ({ agentId: c.agentId, shifts: c.shifts })),
    ],
    raw: { ...raw, agents },
  };
}
