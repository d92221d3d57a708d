import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sleep } from '../../../common/sleep';
import { HttpError, send } from '../http';
import { pick, seededRandom } from '../random';
import { TokenAuthority } from './auth';
import type { Answer, ApiRequest, SimContext } from './context';
import { CORRELATION_HEADER, GenesysError, parseJson, readBytes, sendError } from './errors';
import { NotificationHub } from './notifications';
import {
  genesysSimulatorOptionsSchema,
  type GenesysSimulatorOptions,
  type GenesysSimulatorOptionsInput,
} from './options';
import { API_ROUTES, matchRoute } from './routes';
import { SignedStorage, StorageError } from './storage';
import { GenesysStore } from './store';
import { testOnlyRoute } from './test-only-routes';
import { ServerWebSocket } from './websocket';

/** One API request as the simulator saw it. */
export interface GenesysRequestRecord {
  seq: number;
  atMs: number;
  method: string;
  path: string;
  status: number;
  correlationId: string;
  /** The OAuth client of the bearer token, once authenticated. */
  clientId?: string;
  /** The work was done but the connection was dropped instead of answering. */
  lostResponse?: boolean;
}

export interface GenesysSimulatorDeps {
  now?: () => Date;
  /** Waits `ms` (the injected latency); injectable so a test can drive latency without the clock. */
  delay?: (ms: number) => Promise<void>;
}

const SERVER_ERROR_CODES: Record<number, string> = {
  500: 'internal.server.error',
  502: 'bad.gateway',
  503: 'service.unavailable',
  504: 'request.timeout',
};

/**
 * A Genesys Cloud WFM (login host, BU schedule API, signed storage, notification service) that misbehaves on
 * purpose, written from docs/reference/genesys-wfm.md. Built apart from any port (`server.ts` listens), all
 * state on the instance.
 */
export class GenesysSimulator implements SimContext {
  options: GenesysSimulatorOptions;
  readonly store: GenesysStore;
  readonly storage: SignedStorage;
  readonly notifications: NotificationHub;
  readonly auth: TokenAuthority;
  readonly requests: GenesysRequestRecord[] = [];
  readonly now: () => Date;
  readonly random: () => number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private otherWriter: NodeJS.Timeout | undefined;

  constructor(options: GenesysSimulatorOptionsInput = {}, deps: GenesysSimulatorDeps = {}) {
    this.options = genesysSimulatorOptionsSchema.parse(options);
    this.now = deps.now ?? (() => new Date());
    this.delay = deps.delay ?? ((ms) => sleep(ms));
    this.random = seededRandom(this.options.randomSeed);
    this.store = new GenesysStore(this.now, this.random);
    this.store.seed(this.options.seed);
    this.storage = new SignedStorage(this.now, () => this.options.signedUrlLifetimeMs);
    this.notifications = new NotificationHub(this.now, this.random);
    this.auth = new TokenAuthority(() => this.options, this.now);
  }

  /** Starts the timers (other writer, heartbeat). `stop` ends them and every pending operation. */
  start(): void {
    this.restartTimers();
  }

  stop(): void {
    clearInterval(this.otherWriter);
    this.otherWriter = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.notifications.stop();
  }

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Applies a fault patch (already validated) while running. */
  patchOptions(patch: Partial<GenesysSimulatorOptions>): void {
    this.options = { ...this.options, ...patch };
    this.auth.resetLimits();
    this.restartTimers();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof StorageError) {
        res.writeHead(err.status, { 'content-type': 'application/xml' });
        res.end(err.xml);
        return;
      }
      const error =
        err instanceof HttpError ? err : new GenesysError(500, 'internal.server.error', String(err));
      sendError(res, error, randomUUID());
    });
  };

  /** The notification websocket: `GET {connectUri}` with `Upgrade: websocket`. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex): void => {
    const channelId = /^\/channels\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const key = req.headers['sec-websocket-key'];
    if (!channelId || typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const ws = ServerWebSocket.accept(key, socket);
    if (!this.notifications.connect(channelId, ws)) ws.close();
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith('/api/v2/')) return this.api(req, res, url);
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const form = new URLSearchParams((await readBytes(req, this.options.requestBytesMax)).toString('utf8'));
      const answer = this.auth.issue(req.headers.authorization, form);
      return send(res, answer.status, answer.body, { [CORRELATION_HEADER]: randomUUID() });
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/_storage/uploads/')) {
      const body = await readBytes(req, Number.MAX_SAFE_INTEGER);
      if (this.random() < this.options.uploadFailShare)
        throw new StorageError(403, 'AccessDenied', 'Access Denied');
      this.storage.put(req, url, body);
      res.writeHead(200, { etag: `"${randomUUID()}"`, 'content-length': 0 });
      return void res.end();
    }
    if (req.method === 'GET' && url.pathname.startsWith('/_storage/downloads/')) {
      const json = this.storage.get(req, url);
      const body = this.options.downloadsGzipped ? gzipSync(json) : Buffer.from(json);
      const type = this.options.downloadsGzipped ? 'application/octet-stream' : 'application/json';
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      return void res.end(body);
    }
    if (url.pathname.startsWith('/_sim/')) {
      const body = parseJson(await readBytes(req, Number.MAX_SAFE_INTEGER));
      const answer = testOnlyRoute(this, `${req.method} ${url.pathname}`, url, body);
      return send(res, answer.status, answer.body);
    }
    throw new GenesysError(404, 'not.found', `No route ${req.method} ${url.pathname}`);
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const correlationId = randomUUID();
    const record: GenesysRequestRecord = {
      seq: this.requests.length + 1,
      atMs: this.now().getTime(),
      method: req.method ?? '?',
      path: url.pathname,
      status: 0,
      correlationId,
    };
    this.requests.push(record);
    try {
      const bytes = await readBytes(req, this.options.requestBytesMax);
      const o = this.options;
      await this.delay(o.latencyMs + Math.floor(this.random() * (o.latencyJitterMs + 1)));
      const matched = matchRoute(API_ROUTES, req.method ?? '', url.pathname);
      if (!matched) throw new GenesysError(404, 'not.found', `No route ${req.method} ${url.pathname}`);
      const caller = this.auth.authenticate(req);
      record.clientId = caller.clientId;
      this.auth.admit(caller, this.random() < o.throttleShare);
      if (this.random() < o.failShare) {
        const status = pick(o.failStatuses, this.random) ?? 503;
        throw new GenesysError(
          status,
          SERVER_ERROR_CODES[status] ?? 'internal.server.error',
          'Simulated failure',
        );
      }
      const request: ApiRequest = {
        req,
        url,
        caller,
        origin: `http://${req.headers.host ?? 'localhost'}`,
        params: matched.params,
        body: parseJson(bytes),
      };
      const answer: Answer = matched.handler(this, request);
      if ('drop' in answer) {
        Object.assign(record, { status: 0, lostResponse: true });
        req.socket.destroy(); // The work is done; its answer is lost.
        return;
      }
      record.status = answer.status;
      send(res, answer.status, answer.body, { [CORRELATION_HEADER]: correlationId });
    } catch (err) {
      const error =
        err instanceof HttpError ? err : new GenesysError(500, 'internal.server.error', String(err));
      record.status = error.status;
      sendError(res, error, correlationId);
    }
  }

  private restartTimers(): void {
    clearInterval(this.otherWriter);
    this.otherWriter = undefined;
    const every = this.options.otherWriterMs;
    if (every > 0) {
      this.otherWriter = setInterval(
        () => this.store.editByOtherWriter('other-writer', this.options.otherWriterBumpsScheduleVersion),
        every,
      );
      this.otherWriter.unref();
    }
    this.notifications.startHeartbeat(this.options.heartbeatMs);
  }
}

/** A simulator with `options` (zod defaults: every fault off), not yet listening: see `listenGenesys`. */
export function createGenesysSimulator(
  options: GenesysSimulatorOptionsInput = {},
  deps: GenesysSimulatorDeps = {},
): GenesysSimulator {
  return new GenesysSimulator(options, deps);
}
