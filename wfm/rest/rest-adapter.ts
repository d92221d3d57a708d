import { hostname } from 'node:os';
import type { ApplicationFailure } from '@temporalio/common';
import {
  classifyHttpFailure,
  classifyNetworkFailure,
  protocolViolation,
  rateLimitDeadlinePassed,
  serverMessage,
} from '../failures';
import { readTextCapped, unusableAnswer } from '../http-body';
import type { AgentChange, ScheduleSnapshot, WfmCall, WfmPort } from '../port';
import type { AdaptiveRateController } from '../rate/adaptive-rate';
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
  /**
   * Paces every request and learns from every answer (429, Retry-After, rate-limit headers); one per worker process,
   * shared by all its calls. Default: no pacing.
   */
  rate?: Pick<AdaptiveRateController, 'acquire' | 'observe' | 'ratePerSecond'>;
  /** How long one request may keep being answered 429 before its schedule fails, in ms. Default 6 h. */
  rateLimitDeadlineMs?: number;
  /** The largest response body read, in bytes; a larger one fails the request. Default 32 MiB. */
  maxResponseBytes?: number;
}

/** The REST WFM contract of docs/wfm-rest-contract.md: full-document GET and conditional PUT. */
export class RestWfmAdapter implements WfmPort {
  private readonly versionIn: VersionIn;
  private readonly requestTimeoutMs: number;
  private readonly nowMs: () => number;
  private readonly userAgent: string;
  private readonly rateLimitDeadlineMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: RestAdapterOptions) {
    this.userAgent = options.userAgent ?? `wfm-push (${hostname()}:${process.pid})`;
    this.versionIn = options.versionIn ?? 'both';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.rateLimitDeadlineMs = options.rateLimitDeadlineMs ?? 6 * 3_600_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 2 ** 20;
  }

  async readSchedule(scheduleId: string, call: WfmCall = {}): Promise<ScheduleSnapshot> {
    const what = `GET schedule ${scheduleId}`;
    const res = await this.request(what, 'GET', scheduleId, {}, undefined, call);
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
    const body = this.versionIn === 'if-match' ? document : { ...document, version };
    const res = await this.request(what, 'PUT', base.scheduleId, headers, JSON.stringify(body), call);
    return this.snapshotFrom(what, base.scheduleId, res);
  }

  /**
   * Sends one request, after its turn from the rate controller. A 429 is not a failure: the controller pauses the
   * whole worker for the server's Retry-After and the same request goes again (a refused request was not processed,
   * so resending it is safe), until the rate-limit deadline. A 401 renews the token once.
   */
  private async request(
    what: string,
    method: 'GET' | 'PUT',
    scheduleId: string,
    headers: Record<string, string>,
    body: string | undefined,
    { signal, counts }: WfmCall,
  ): Promise<{ text: string; headers: Headers }> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/api/v2/wfm/schedules/${encodeURIComponent(scheduleId)}`;
    let renewed = false;
    let throttled: { sinceMs: number; refusals: number } | undefined;
    for (;;) {
      const token = renewed ? await this.options.tokens.renew() : await this.options.tokens.token();
      await this.options.rate?.acquire(signal);
      // The timeout starts when the request is sent, not while it waits for its turn.
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      let res: Response;
      let text: string | undefined;
      if (counts) counts.requests++;
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
          // A redirect is never followed: it would send the document (agents, shifts) and the token elsewhere, or
          // replay a write against another schedule.
          redirect: 'manual',
        });
        text = await readTextCapped(res, this.maxResponseBytes);
      } catch (err) {
        if (signal?.aborted) throw err; // Cancellation is never turned into a retryable failure.
        throw classifyNetworkFailure(what, err);
      }
      this.options.rate?.observe(res.status, res.headers);
      const unusable = unusableAnswer(
        what,
        res,
        text,
        this.maxResponseBytes,
        'the WFM must answer at its own URL',
      );
      if (unusable || text === undefined) throw unusable;
      if (res.ok) {
        if (!/^application\/([\w.+-]*\+)?json\b/i.test(res.headers.get('content-type') ?? ''))
          throw protocolViolation(
            what,
            `answer is not JSON (content-type ${JSON.stringify(res.headers.get('content-type'))})`,
          );
        return { text, headers: res.headers };
      }
      if (res.status === 401 && !renewed) {
        renewed = true;
        continue;
      }
      if (res.status === 429 && this.options.rate) {
        if (counts) counts.rateLimited++;
        throttled ??= { sinceMs: this.nowMs(), refusals: 0 };
        throttled.refusals++;
        const waitedMs = this.nowMs() - throttled.sinceMs;
        if (waitedMs < this.rateLimitDeadlineMs) continue;
        const rate = this.options.rate.ratePerSecond;
        throw rateLimitDeadlinePassed(
          what,
          waitedMs,
          throttled.refusals,
          rate,
          serverMessage(429, text, [token]),
        );
      }
      throw classifyHttpFailure(what, res.status, res.headers, text, this.nowMs(), [token]);
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
