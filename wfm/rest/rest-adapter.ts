import { hostname } from 'node:os';
import type { ApplicationFailure } from '@temporalio/common';
import { classifyHttpFailure, classifyNetworkFailure, protocolViolation } from '../failures';
import type { RequestPacer } from '../pacer';
import type { AgentChange, ScheduleSnapshot, WfmPort } from '../port';
import type { TokenSource } from '../tokens';
import { applyChanges } from './apply-changes';
import { scheduleDocumentSchema, type ScheduleDocument } from './schedule-document';

/** Where a write carries the version it is based on. */
export type VersionIn = 'body' | 'if-match' | 'both';

export interface RestAdapterOptions {
  /** e.g. `http://127.0.0.1:4010`; the contract's paths are appended. */
  baseUrl: string;
  tokens: TokenSource;
  /** Default `both`. */
  versionIn?: VersionIn;
  /** Per request, in ms. Default 15,000. */
  requestTimeoutMs?: number;
  /** Injected for tests of Retry-After dates. Default `Date.now`. */
  nowMs?: () => number;
  /** Sent as User-Agent, so the WFM's logs tell which worker made a request. Default `wfm-push (<host>:<pid>)`. */
  userAgent?: string;
  /** Waits for each request's turn and learns from the server's rate-limit answers. Default: no pacing. */
  pacer?: Pick<RequestPacer, 'acquire' | 'observe'>;
}

/** The REST WFM contract of docs/wfm-rest-contract.md: full-document GET and conditional PUT. */
export class RestWfmAdapter implements WfmPort {
  private readonly versionIn: VersionIn;
  private readonly requestTimeoutMs: number;
  private readonly nowMs: () => number;
  private readonly userAgent: string;

  constructor(private readonly options: RestAdapterOptions) {
    this.userAgent = options.userAgent ?? `wfm-push (${hostname()}:${process.pid})`;
    this.versionIn = options.versionIn ?? 'both';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async readSchedule(scheduleId: string, signal?: AbortSignal): Promise<ScheduleSnapshot> {
    const what = `GET schedule ${scheduleId}`;
    const res = await this.request(what, 'GET', scheduleId, {}, undefined, signal);
    return this.snapshotFrom(what, scheduleId, res);
  }

  async writeAgents(
    base: ScheduleSnapshot,
    changes: AgentChange[],
    signal?: AbortSignal,
  ): Promise<ScheduleSnapshot> {
    const what = `PUT schedule ${base.scheduleId}`;
    const document = applyChanges(base.raw as ScheduleDocument, changes);
    const version = Number(base.version);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.versionIn !== 'body') headers['if-match'] = `"${base.version}"`;
    const body = this.versionIn === 'if-match' ? document : { ...document, version };
    const res = await this.request(what, 'PUT', base.scheduleId, headers, JSON.stringify(body), signal);
    return this.snapshotFrom(what, base.scheduleId, res);
  }

  private async request(
    what: string,
    method: 'GET' | 'PUT',
    scheduleId: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ text: string; headers: Headers }> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/api/v2/wfm/schedules/${encodeURIComponent(scheduleId)}`;
    let renewed = false;
    for (;;) {
      const token = renewed ? await this.options.tokens.renew() : await this.options.tokens.token();
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      let res: Response;
      let text: string;
      await this.options.pacer?.acquire(signal);
      try {
        res = await fetch(url, {
          method,
          headers: {
            ...headers,
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'user-agent': this.userAgent,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw err; // Cancellation is never turned into a retryable failure.
        throw classifyNetworkFailure(what, err);
      }
      this.options.pacer?.observe(res.status, res.headers);
      if (res.ok) return { text, headers: res.headers };
      if (res.status === 401 && !renewed) {
        renewed = true;
        continue;
      }
      throw classifyHttpFailure(what, res.status, res.headers, text, this.nowMs());
    }
  }

  private snapshotFrom(
    what: string,
    scheduleId: string,
    res: { text: string; headers: Headers },
  ): ScheduleSnapshot {
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
