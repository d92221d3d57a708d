import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from '../../common/sleep';
import { baseVersion, HttpError, readBody, send } from './http';
import { scheduleDocumentSchema, type ScheduleDocument } from './schedule-document';
import {
  faultPatchSchema,
  namedInPatch,
  simulatorOptionsSchema,
  type SimulatorOptions,
  type SimulatorOptionsInput,
} from './options';
import { editRandomAgent } from './other-writers';
import { SimRateLimiter } from './rate-limiter';
import { pick, seededRandom } from './random';
import { sameJson, ScheduleStore, type Writer } from './schedule-store';

const SCHEDULE_PATH = /^\/api\/v2\/wfm\/schedules\/([^/]+)$/;

/** One API request as the simulator saw it: lets tests prove, for instance, that every 409 is followed by a GET. */
export interface RequestRecord {
  seq: number;
  method: string;
  scheduleId: string;
  status: number;
  /** For a PUT: the version it was based on (If-Match or body). */
  baseVersion?: number;
  /** The schedule's version when the request was answered. */
  currentVersion?: number;
  /** The write committed but its response was dropped. */
  lostAck?: boolean;
  /** The client's User-Agent: which worker sent it. */
  client?: string;
  /** When the request arrived, ms since the epoch. */
  atMs: number;
}

export interface SimulatorDeps {
  now?: () => Date;
  /** Waits `ms`; injectable so a test can drive latency without the clock. */
  delay?: (ms: number) => Promise<void>;
}

/**
 * A WFM that speaks the REST contract (docs/wfm-rest-contract.md) and misbehaves on purpose. Built apart from any
 * port (`server.ts` listens), all state on the instance.
 */
export class WfmSimulator {
  readonly store: ScheduleStore;
  readonly requests: RequestRecord[] = [];
  options: SimulatorOptions;
  private readonly random: () => number;
  private readonly now: () => Date;
  private readonly delay: (ms: number) => Promise<void>;
  private noiseTimer: NodeJS.Timeout | undefined;
  private limiter: SimRateLimiter | undefined;

  constructor(options: SimulatorOptionsInput = {}, deps: SimulatorDeps = {}) {
    this.options = simulatorOptionsSchema.parse(options);
    this.now = deps.now ?? (() => new Date());
    this.delay = deps.delay ?? ((ms) => sleep(ms));
    this.random = seededRandom(this.options.randomSeed);
    this.store = new ScheduleStore(this.now);
    this.resetLimiter();
  }

  /** Starts the other writers (noise). Call `stop` to end them. */
  start(): void {
    this.restartNoise();
  }

  stop(): void {
    clearInterval(this.noiseTimer);
    this.noiseTimer = undefined;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : 'internal';
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent)
        send(res, status, { status, code, message }, err instanceof HttpError ? err.headers : {});
    });
  };

  /** An edit by another writer, committed now (used by the noise timer, the conflict writer and `POST /_sim/edit`). */
  editBy(writer: Writer, scheduleId?: string): void {
    const id = scheduleId ?? pick(this.store.ids(), this.random);
    const doc = id === undefined ? undefined : this.store.get(id);
    const edited = doc && editRandomAgent(doc, this.random);
    if (edited) this.store.commit(edited, writer);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const match = SCHEDULE_PATH.exec(url.pathname);
    if (match?.[1]) return this.api(req, res, decodeURIComponent(match[1]));
    if (url.pathname.startsWith('/_sim/')) return this.testOnly(req, res, url);
    throw new HttpError(404, 'route.not_found', `no route ${req.method} ${url.pathname}`);
  }

  private async api(req: IncomingMessage, res: ServerResponse, scheduleId: string): Promise<void> {
    const record: RequestRecord = {
      seq: this.requests.length + 1,
      method: req.method ?? '?',
      scheduleId,
      status: 0,
      client: req.headers['user-agent'],
      atMs: this.now().getTime(),
    };
    this.requests.push(record);
    try {
      const body = await readBody(req);
      await this.delay(
        this.options.latencyMs + Math.floor(this.random() * (this.options.latencyJitterMs + 1)),
      );
      this.authorize(req);
      const limitHeaders = this.rateLimit();
      if (this.random() < this.options.failRate)
        throw new HttpError(503, 'service.unavailable', 'simulated outage');
      const current = this.store.get(scheduleId);
      if (!current) throw new HttpError(404, 'schedule.not_found', `schedule ${scheduleId} does not exist`);
      record.currentVersion = current.version;
      if (req.method === 'GET') {
        record.status = 200;
        return send(res, 200, current, { etag: `"${current.version}"`, ...limitHeaders });
      }
      if (req.method !== 'PUT')
        throw new HttpError(405, 'method.not_allowed', `${req.method} is not allowed here`);
      const written = this.put(req, current, body, record);
      record.currentVersion = written.version;
      if (this.random() < this.options.lostAckRate) {
        record.lostAck = true;
        record.status = 200;
        req.socket.destroy(); // The write is committed; its acknowledgement is lost.
        return;
      }
      record.status = 200;
      send(res, 200, written, { etag: `"${written.version}"`, ...limitHeaders });
    } catch (err) {
      record.status = err instanceof HttpError ? err.status : 500;
      throw err;
    }
  }

  private put(
    req: IncomingMessage,
    current: ScheduleDocument,
    bodyText: string,
    record: RequestRecord,
  ): ScheduleDocument {
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch {
      throw new HttpError(400, 'document.invalid', 'body is not JSON');
    }
    const parsed = scheduleDocumentSchema.omit({ version: true }).loose().safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new HttpError(400, 'document.invalid', `${first?.path.join('.')}: ${first?.message}`);
    }
    const doc = parsed.data as Omit<ScheduleDocument, 'version'> & { version?: unknown };
    if (doc.id !== current.id)
      throw new HttpError(400, 'document.invalid', `body id "${doc.id}" does not match the path`);
    this.checkServerFieldsKept(current, doc);
    const base = baseVersion(req.headers['if-match'], doc.version);
    record.baseVersion = base.version;
    const mismatch = () =>
      new HttpError(
        base.from === 'if-match' ? 412 : 409,
        'version.mismatch',
        `Version mismatch: based on ${base.version}, current is ${this.store.get(current.id)?.version}`,
      );
    if (base.version !== current.version) throw mismatch();
    if (this.random() < this.options.conflictRate) {
      this.editBy('conflict-writer', current.id); // Another writer gets there first.
      throw mismatch();
    }
    // The store sets the new version; the body's version was only the precondition.
    return this.store.commit({ ...doc, version: current.version } as ScheduleDocument, 'api');
  }

  /** Fields the server owns must come back unchanged: a client that drops or rewrites them is refused. */
  private checkServerFieldsKept(current: ScheduleDocument, doc: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(current)) {
      if (key === 'agents' || key === 'version') continue;
      if (!sameJson(doc[key], value)) {
        throw new HttpError(400, 'document.invalid', `field "${key}" must be sent back unchanged`);
      }
    }
  }

  private authorize(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!this.options.tokens.includes(token))
      throw new HttpError(401, 'auth.invalid_token', 'missing or invalid bearer token');
  }

  /** The token bucket: its headers for the answer, or the 429 (Retry-After in seconds or as an HTTP date). */
  private rateLimit(): Record<string, string> {
    const nowMs = this.now().getTime();
    const storm = this.random() < this.options.throttleRate;
    const admission = this.limiter?.admit(nowMs) ?? { ok: true, headers: {} };
    if (admission.ok && !storm) return admission.headers;
    const seconds = this.options.retryAfterSeconds ?? (admission.ok ? 1 : admission.retryAfterSeconds);
    const retryAfter = this.options.retryAfterDate
      ? new Date(nowMs + seconds * 1000).toUTCString()
      : String(seconds);
    throw new HttpError(
      429,
      'too.many.requests.retry.after',
      'Rate limit exceeded the maximum. Retry the request.',
      {
        ...admission.headers,
        'retry-after': retryAfter,
      },
    );
  }

  /** A new bucket for the current options (at start and when the faults change). */
  private resetLimiter(): void {
    const o = this.options;
    this.limiter =
      o.rateLimitPerSecond > 0
        ? new SimRateLimiter({
            ratePerSecond: o.rateLimitPerSecond,
            burst: o.rateLimitBurst,
            headers: o.rateLimitHeaders,
            changes: o.rateLimitChanges,
          })
        : undefined;
  }

  private restartNoise(): void {
    clearInterval(this.noiseTimer);
    this.noiseTimer = undefined;
    if (this.options.noiseMs > 0) {
      this.noiseTimer = setInterval(() => this.editBy('noise'), this.options.noiseMs);
      this.noiseTimer.unref();
    }
  }

  private async testOnly(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const since = Number(url.searchParams.get('since') ?? 0);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /_sim/commits':
        return send(res, 200, { commits: this.store.commits.slice(since) });
      case 'GET /_sim/requests':
        return send(res, 200, { requests: this.requests.slice(since) });
      case 'GET /_sim/initial':
        return send(res, 200, { schedules: this.store.initialDocuments() });
      case 'GET /_sim/schedules':
        return send(res, 200, { schedules: this.store.all() });
      case 'GET /_sim/stats':
        return send(res, 200, this.stats());
      case 'POST /_sim/schedules': {
        const body = JSON.parse(await readBody(req)) as { schedules: unknown };
        const docs = scheduleDocumentSchema.array().parse(body.schedules);
        this.store.seed(docs);
        return send(res, 200, { seeded: docs.length });
      }
      case 'POST /_sim/edit': {
        const body = JSON.parse(await readBody(req)) as { scheduleId?: string };
        this.editBy('manual', body.scheduleId);
        return send(res, 200, { ok: true });
      }
      case 'PATCH /_sim/faults': {
        const body: unknown = JSON.parse(await readBody(req));
        const patch = faultPatchSchema.safeParse(body);
        if (!patch.success) throw new HttpError(400, 'faults.invalid', patch.error.message);
        // Only what the body names changes: the partial schema would fill in every other fault's default.
        this.options = { ...this.options, ...namedInPatch(patch.data, body) };
        this.restartNoise();
        this.resetLimiter();
        return send(res, 200, this.options);
      }
      default:
        throw new HttpError(404, 'route.not_found', `no route ${route}`);
    }
  }

  stats(): { requests: number; byStatus: Record<string, number>; commits: Record<Writer, number> } {
    const byStatus: Record<string, number> = {};
    for (const r of this.requests) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const commits: Record<Writer, number> = { api: 0, noise: 0, 'conflict-writer': 0, manual: 0 };
    for (const c of this.store.commits) commits[c.writer]++;
    return { requests: this.requests.length, byStatus, commits };
  }
}
