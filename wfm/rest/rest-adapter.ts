import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../model/failures';
import { hostOf } from '../../model/wfm-problem';
import { protocolViolation } from '../failures';
import { WfmHttp, type WfmAnswer, type WfmHttpOptions } from '../http-client';
import type { AgentChange, ScheduleSnapshot, ScheduleTarget, WfmCall, WfmPort, WfmUnit } from '../port';
import { applyChanges } from './apply-changes';
import { scheduleDocumentSchema, type ScheduleDocument } from './schedule-document';

/** Where a write carries the version it is based on. */
export type VersionIn = 'body' | 'if-match' | 'both';

export interface RestAdapterOptions extends WfmHttpOptions {
  /** e.g. `http://127.0.0.1:4010`; the contract's paths are appended. */
  baseUrl: string;
  /** Default `both`. */
  versionIn?: VersionIn;
}

/** The REST WFM contract of docs/wfm-rest-contract.md: full-document GET and conditional PUT. */
export class RestWfmAdapter implements WfmPort {
  private readonly versionIn: VersionIn;
  private readonly http: WfmHttp;

  constructor(private readonly options: RestAdapterOptions) {
    this.versionIn = options.versionIn ?? 'both';
    this.http = new WfmHttp(options);
  }

  /** The GET and the PUT(s) based on it, one unit at the rate limiter: each is one request. */
  readWriteUnit(writes: number, call: WfmCall): Promise<WfmUnit> {
    return this.http.reserve(1 + writes, call);
  }

  async readSchedule({ scheduleId }: ScheduleTarget, call: WfmCall = {}): Promise<ScheduleSnapshot> {
    const what = `GET schedule ${scheduleId}`;
    const res = await this.http.send(what, { method: 'GET', url: this.urlOf(scheduleId) }, call);
    return this.snapshotFrom(what, scheduleId, res);
  }

  async writeAgents(
    base: ScheduleSnapshot,
    changes: AgentChange[],
    call: WfmCall = {},
  ): Promise<ScheduleSnapshot> {
    const what = `PUT schedule ${base.scheduleId}`;
    const document = applyChanges(base.raw as ScheduleDocument, changes);
    const version = Number(base.version);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.versionIn !== 'body') headers['if-match'] = `"${base.version}"`;
    const body = JSON.stringify(this.versionIn === 'if-match' ? document : { ...document, version });
    const res = await this.http.send(
      what,
      { method: 'PUT', url: this.urlOf(base.scheduleId), headers, body },
      call,
    );
    return this.snapshotFrom(what, base.scheduleId, res);
  }

  /** A read of a schedule no one has: any answer but a 401 (a 404, as the contract says) means reached and accepted. */
  async checkReach(): Promise<string> {
    const url = this.urlOf('wfm-push-reach-check');
    try {
      await this.http.send('GET schedule wfm-push-reach-check', { method: 'GET', url });
    } catch (err) {
      // Refused as a request (404 and the like), not as a caller: the WFM answered, and took the token.
      if (!(err instanceof ApplicationFailure) || err.type !== FailureType.Rejected) throw err;
    }
    return `${hostOf(url)} answers and accepts the token`;
  }

  private urlOf(scheduleId: string): string {
    return `${this.options.baseUrl.replace(/\/$/, '')}/api/v2/wfm/schedules/${encodeURIComponent(scheduleId)}`;
  }

  private snapshotFrom(what: string, scheduleId: string, res: WfmAnswer): ScheduleSnapshot {
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      throw protocolViolation(what, 'response body is not JSON');
    }
    const parsed = scheduleDocumentSchema.safeParse(json);
    if (!parsed.success) throw this.invalidDocument(what, parsed.error.issues);
    const document = parsed.data;
    if (document.id !== scheduleId) throw protocolViolation(what, `server sent schedule "${document.id}"`);
    return {
      scheduleId,
      version: String(document.version),
      agents: document.agents.map((a) => ({ agentId: a.agentId, shifts: a.shifts })),
      raw: document,
    };
  }

  private invalidDocument(
    what: string,
    issues: { path: PropertyKey[]; message: string }[],
  ): ApplicationFailure {
    const list = issues.slice(0, 5).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
    return protocolViolation(what, `response is not a schedule document (${list.join('; ')})`);
  }
}
