import { gzipSync } from 'node:zlib';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { sleep } from '../../common/sleep';
import { FailureType } from '../../model/failures';
import type { Shift } from '../../model/shift';
import { WfmHttp, type WfmHttpOptions } from '../http-client';
import { parseAnswer, postJson } from './json-http';
import { GenesysNotifications, type GenesysNotificationsOptions } from './notifications';
import type { AgentChange, AgentState, ScheduleSnapshot, ScheduleTarget, WfmCall, WfmPort } from '../port';
import {
  agentSchedulesQueryResponseSchema,
  agentSchedulesResultSchema,
  scheduleAsyncResponseSchema,
  scheduleMetadataSchema,
  updateUploadUrlResponseSchema,
  type AgentSchedulesResult,
  type GenesysAgentSchedule,
  scheduleUpdateUploadSchema,
} from './schemas';
import { agentShiftsFromGenesys, genesysShiftFrom } from './shifts';

export interface GenesysAdapterOptions extends WfmHttpOptions {
  /** e.g. `https://api.apse1.pure.cloud` (see `genesysEndpoints`). */
  apiBaseUrl: string;
  /** How long an asynchronous query or update may stay Processing before the schedule is read again, in ms. Default 15 s. */
  asyncWaitMs?: number;
  /** How often a Processing operation is looked at again, in ms. Default 1 s. */
  asyncPollMs?: number;
  /**
   * The notification channel that tells how a Processing update ended (§1.1 step 7, §6); `false`: never open one, poll
   * only. `apiBaseUrl` defaults to the adapter's. Default on.
   */
  notifications?: false | Partial<Omit<GenesysNotificationsOptions, 'http'>>;
  /**
   * How long a Processing update waits for its notification before the schedule's version is polled instead (for the
   * rest of `asyncWaitMs`), in ms. Default two thirds of `asyncWaitMs`.
   */
  notificationWaitMs?: number;
}

/** What a snapshot keeps to write the schedule back: its version, and per planned agent its version and shift IDs. */
interface GenesysRaw {
  scheduleUrl: string;
  businessUnitId: string;
  scheduleVersion: number;
  agents: Map<string, { version: number; shiftIds: string[] }>;
}

/**
 * Genesys Cloud WFM behind the port (reference: shared/reference/genesys-wfm.md §1.1). Read: the schedule's metadata
 * (which management unit holds each agent), then the planned agents' schedules per management unit. Write: only the
 * changed agents, each with its own version, old shifts deleted by ID and the planned ones added, the schedule version
 * in `metadata`, gzipped to a signed upload URL, then `update`. Any doubt (an update still Processing, `status: Error`
 * without a reason) becomes a version conflict: the sync reads again, and the rebase decides; nothing is applied twice.
 * How a Processing update ended comes from the notification channel (one per adapter, so per worker process), or,
 * when no notification comes in time, from polling the schedule's version. `close()` ends the channel.
 */
export class GenesysWfmAdapter implements WfmPort {
  private readonly http: WfmHttp;
  private readonly asyncWaitMs: number;
  private readonly asyncPollMs: number;
  private readonly notificationWaitMs: number;
  private readonly notifications: GenesysNotifications | undefined;

  constructor(private readonly options: GenesysAdapterOptions) {
    this.http = new WfmHttp({ ...options, correlationHeader: 'inin-correlation-id' });
    this.asyncWaitMs = options.asyncWaitMs ?? 15_000;
    this.asyncPollMs = options.asyncPollMs ?? 1000;
    this.notificationWaitMs = Math.min(
      this.asyncWaitMs,
      options.notificationWaitMs ?? Math.round((this.asyncWaitMs * 2) / 3),
    );
    this.notifications =
      options.notifications === false
        ? undefined
        : new GenesysNotifications({
            apiBaseUrl: options.apiBaseUrl,
            ...options.notifications,
            http: this.http,
          });
  }

  /** Closes the notification channel's websocket and its timers; the worker calls it once it has stopped. */
  async close(): Promise<void> {
    await this.notifications?.close();
  }

  async readSchedule(target: ScheduleTarget, call: WfmCall = {}): Promise<ScheduleSnapshot> {
    const scheduleUrl = this.scheduleUrl(target);
    const what = `GET schedule ${target.scheduleId}`;
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
    const byUnit = new Map<string, string[]>();
    for (const agentId of target.agentIds) {
      const unit = unitOf.get(agentId);
      if (unit) byUnit.set(unit, [...(byUnit.get(unit) ?? []), agentId]);
    }
    const schedules: GenesysAgentSchedule[] = [];
    for (const [managementUnitId, userIds] of byUnit)
      schedules.push(
        ...(await this.queryAgents(scheduleUrl, managementUnitId, userIds, call)).agentSchedules,
      );

    const raw: GenesysRaw = {
      scheduleUrl,
      businessUnitId: target.businessUnitId ?? '',
      scheduleVersion: metadata.metadata.version,
      agents: new Map(),
    };
    const agents: AgentState[] = [];
    for (const schedule of schedules) {
      raw.agents.set(schedule.user.id, {
        version: schedule.metadata.version,
        shiftIds: schedule.shifts.map((s) => s.id),
      });
      agents.push({
        agentId: schedule.user.id,
        shifts: readableShifts(schedule),
        version: String(schedule.metadata.version),
      });
    }
    // A planned agent the schedule lacks has no schedule yet: no shifts, and no version to send.
    return { scheduleId: target.scheduleId, version: String(metadata.metadata.version), agents, raw };
  }

  async writeAgents(
    base: ScheduleSnapshot,
    changes: AgentChange[],
    call: WfmCall = {},
  ): Promise<ScheduleSnapshot> {
    const raw = base.raw as GenesysRaw;
    const what = `update schedule ${base.scheduleId}`;
    // The business unit's topic is subscribed before the update starts, so its notification cannot be missed; the
    // channel opens meanwhile (once per process), and never fails the write: without it, the update is polled.
    // (A cancelled wait counts as no channel: the requests below see the same signal.)
    const watching = (
      this.notifications?.watch(raw.businessUnitId, call.signal) ?? Promise.resolve(false)
    ).catch(() => false);
    // Checked against the documented upload schema before it leaves: a malformed update is a bug here, not a retry.
    const upload = scheduleUpdateUploadSchema.parse({
      metadata: { version: raw.scheduleVersion },
      agentSchedules: changes.map((change) => {
        const known = raw.agents.get(change.agentId);
        return {
          userId: change.agentId,
          ...(known ? { metadata: { version: known.version } } : {}),
          shifts: [
            ...(known?.shiftIds ?? []).map((id) => ({ id, delete: true })),
            ...change.shifts.map(genesysShiftFrom),
          ],
        };
      }),
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
    // The signed URL gets exactly the headers it was issued with, and never the bearer token.
    await this.http.send(
      what,
      {
        method: 'PUT',
        url: target.url,
        headers: target.headers,
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
    if (started.status === 'Complete') {
      const version = started.result?.metadata.version;
      if (version !== undefined) return afterWrite(base, raw, changes, version);
    } else if (started.status !== 'Processing') {
      throw conflict(
        what,
        `the update ended ${started.status} (Genesys gives no reason); reading the schedule again`,
      );
    }
    const deadline = Date.now() + this.asyncWaitMs;
    if (started.status === 'Processing' && started.operationId !== undefined && notified) {
      const written = await this.awaitNotification(what, base, raw, changes, started.operationId, call);
      if (written) return written;
    }
    return this.awaitUpdate(what, base, raw, changes, deadline, call, started.operationId);
  }

  /**
   * An update Processing: its notification tells how it ended. Complete: the new version (from the notification, or
   * one read of the metadata). Error or Canceled: nothing was applied (Genesys gives no reason), a version conflict at
   * once. No notification within `notificationWaitMs` (or the websocket dropped): undefined, and the caller polls.
   */
  private async awaitNotification(
    what: string,
    base: ScheduleSnapshot,
    raw: GenesysRaw,
    changes: AgentChange[],
    operationId: string,
    call: WfmCall,
  ): Promise<ScheduleSnapshot | undefined> {
    const outcome = await this.notifications?.outcome(operationId, this.notificationWaitMs, call.signal);
    if (!outcome) return undefined;
    if (outcome.status !== 'Complete')
      throw conflict(
        what,
        `the update ended ${outcome.status} (Genesys gives no reason); reading the schedule again`,
      );
    const version = outcome.result?.metadata.version;
    if (version !== undefined) return afterWrite(base, raw, changes, version);
    const metadata = parseAnswer(
      what,
      scheduleMetadataSchema,
      await this.http.send(what, { method: 'GET', url: raw.scheduleUrl }, call),
    );
    return afterWrite(base, raw, changes, metadata.metadata.version);
  }

  /**
   * An update still Processing and no notification: watch the schedule's version. Once it has moved, the update (or
   * another writer) has landed; a fresh read and rebase tell which. If it does not move by `deadline`, read again all
   * the same. A notification that arrives meanwhile still ends the wait.
   */
  private async awaitUpdate(
    what: string,
    base: ScheduleSnapshot,
    raw: GenesysRaw,
    changes: AgentChange[],
    deadline: number,
    call: WfmCall,
    operationId: string | undefined,
  ): Promise<ScheduleSnapshot> {
    while (Date.now() < deadline) {
      await sleep(this.asyncPollMs, call.signal);
      const late = operationId === undefined ? undefined : this.notifications?.received(operationId);
      if (late) {
        const written = await this.awaitNotification(what, base, raw, changes, late.operationId, call);
        if (written) return written;
      }
      const metadata = parseAnswer(
        what,
        scheduleMetadataSchema,
        await this.http.send(what, { method: 'GET', url: raw.scheduleUrl }, call),
      );
      if (metadata.metadata.version !== raw.scheduleVersion)
        return afterWrite(base, raw, changes, metadata.metadata.version);
    }
    throw conflict(
      what,
      `the update was still Processing after ${Math.round(this.asyncWaitMs / 1000)} s; reading again`,
    );
  }

  /** The planned agents' schedules in one management unit: inline, from a download URL, or after Processing. */
  private async queryAgents(
    scheduleUrl: string,
    managementUnitId: string,
    userIds: string[],
    call: WfmCall,
  ): Promise<AgentSchedulesResult> {
    const what = `query agent schedules of management unit ${managementUnitId}`;
    const deadline = Date.now() + this.asyncWaitMs;
    for (;;) {
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
      if (answer.status === 'Complete' && answer.downloadUrl) {
        // A signed URL: no bearer token goes with it.
        const download = await this.http.send(
          what,
          { method: 'GET', url: answer.downloadUrl, authorize: false },
          call,
        );
        return parseAnswer(what, agentSchedulesResultSchema, download);
      }
      if (answer.status !== 'Processing' || Date.now() >= deadline)
        throw ApplicationFailure.create({
          type: FailureType.Transient,
          message: `${what}: ${answer.status === 'Processing' ? `still Processing after ${Math.round(this.asyncWaitMs / 1000)} s` : `ended ${answer.status}`}`,
        });
      await sleep(this.asyncPollMs, call.signal);
    }
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

/**
 * The agent's shifts as the rebase compares them. A shift the project cannot express (breaks, several activities)
 * is kept as a shift no plan can equal, so the rebase sees the agent differ and the write replaces it visibly.
 */
function readableShifts(schedule: GenesysAgentSchedule): Shift[] {
  const { shifts, unrepresentable } = agentShiftsFromGenesys(schedule);
  const kept = schedule.shifts.filter((s) => unrepresentable.some((u) => u.shiftId === s.id));
  return [
    ...shifts,
    ...kept.map((s) => ({
      start: s.startDate,
      lengthMinutes: s.lengthMinutes,
      activityCode: `(unrepresentable ${s.id})`,
    })),
  ];
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
    raw: { ...raw, scheduleVersion: version, agents },
  };
}

/** Read again and rebase: what a version conflict means, here also for an update that ended without a reason. */
function conflict(what: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.VersionConflict,
    message: `${what}: ${message}`,
    nonRetryable: true,
    category: ApplicationFailureCategory.BENIGN,
  });
}
