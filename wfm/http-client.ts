import { hostname } from 'node:os';
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import {
  classifyHttpFailure,
  classifyNetworkFailure,
  protocolViolation,
  rateLimitDeadlinePassed,
  serverMessage,
} from './failures';
import { readBytesCapped, unusableAnswer } from './http-body';
import { routeTemplate } from './http-route';
import type { WfmCall, WfmUnit } from './port';
import type { AdaptiveRateController, RateUnit } from './rate/adaptive-rate';
import type { TokenSource } from './tokens';
import type { WfmMetrics } from './wfm-metrics';

export interface WfmHttpOptions {
  /** Bearer tokens for the WFM; requests marked `authorize: false` (signed URLs) carry none. */
  tokens: TokenSource;
  /** Per request, in ms, from when it is sent. Default 15,000. */
  requestTimeoutMs?: number;
  /** Injected for tests of Retry-After dates. Default `Date.now`. */
  nowMs?: () => number;
  /** Sent as User-Agent, so the WFM's logs tell which worker made a request. Default `wfm-push (<host>:<pid>)`. */
  userAgent?: string;
  /**
   * Paces every request and learns from every answer (429, Retry-After, rate-limit headers); one per worker process,
   * shared by all its calls. Default: no pacing.
   */
  rate?: Pick<AdaptiveRateController, 'acquire' | 'reserve' | 'observe' | 'lost' | 'ratePerSecond'>;
  /** How long one request may keep being answered 429 before its schedule fails, in ms. Default 6 h. */
  rateLimitDeadlineMs?: number;
  /** The largest response body read, in bytes; a larger one fails the request. Default 32 MiB. */
  maxResponseBytes?: number;
  /**
   * A response header whose value every failure message carries (Genesys Cloud: `inin-correlation-id`, the first thing
   * its support asks for). Default none.
   */
  correlationHeader?: string;
  /** Where each request's status and duration, and each Retry-After pause, are counted. Default none. */
  metrics?: WfmMetrics;
  /**
   * A span per request (method, route template, status, the correlation header's value), the child of the active
   * span (the activity's, with tracing on). Default none: no span is made, not even a no-op one.
   */
  tracer?: Tracer;
}

export interface WfmRequest {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Default true: send the bearer token (false for a pre-signed URL, which must not see it). */
  authorize?: boolean;
  /** Default true: a 2xx must be JSON. */
  json?: boolean;
}

export interface WfmAnswer {
  status: number;
  /** The body as UTF-8 text. */
  text: string;
  /** The body as received (a download may be gzipped, whatever its headers say). */
  bytes: Buffer;
  headers: Headers;
}

/**
 * HTTP as every WFM adapter needs it. Each request waits for its turn from the rate controller; a 429 is not a
 * failure: the controller pauses the whole worker for the server's Retry-After and the same request goes again (a
 * refused request was not processed, so resending it is safe), until the rate-limit deadline. A 401 renews the token
 * once. No redirect is followed, bodies are read under a byte cap, and every other failure is classified once.
 */
export class WfmHttp {
  private readonly requestTimeoutMs: number;
  private readonly nowMs: () => number;
  private readonly userAgent: string;
  private readonly rateLimitDeadlineMs: number;
  private readonly maxResponseBytes: number;
  /** The turns a unit's call holds at the rate limiter (see `unit`). */
  private readonly units = new WeakMap<WfmCall, RateUnit>();

  constructor(private readonly options: WfmHttpOptions) {
    this.userAgent = options.userAgent ?? `wfm-push (${hostname()}:${process.pid})`;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.nowMs = options.nowMs ?? Date.now;
    this.rateLimitDeadlineMs = options.rateLimitDeadlineMs ?? 6 * 3_600_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 2 ** 20;
  }

  /**
   * Runs `body` as one unit of `requests` requests at the worker's rate limiter: `body` waits once for a turn, in
   * order with every other request, and then each `send` it makes with the call it is given goes out as soon as it is
   * made, not behind other work, up to `requests` (a pause the server asked for still holds; more requests queue).
   * What it did not send goes back when it ends. Hold a read and the writes based on it together so that nothing gets
   * between them: e.g. Genesys Cloud's version read, upload URL, upload and update of one chunk:
   *
   * ```ts
   * return this.http.unit(4, call, async (call) => {
   *   const version = await this.http.send('GET schedule version', metadataRequest, call);
   *   const url = await this.http.send('POST upload URL', uploadUrlRequest, call);
   *   await this.http.send('PUT upload', upload(url), call);
   *   return this.http.send('POST update', update(version), call);
   * });
   * ```
   */
  async unit<T>(requests: number, call: WfmCall, body: (call: WfmCall) => Promise<T>): Promise<T> {
    const unit = await this.reserve(requests, call);
    try {
      return await body(unit.call);
    } finally {
      unit.release();
    }
  }

  /** `unit` without the body: make the requests with the unit's `call`, then `release()` it in a `finally`. */
  async reserve(requests: number, call: WfmCall = {}): Promise<WfmUnit> {
    const rate = this.options.rate;
    if (!rate) return { call, release: () => {} };
    const turns = await rate.reserve(requests, call.signal);
    const inUnit: WfmCall = { ...call };
    this.units.set(inUnit, turns);
    return { call: inUnit, release: () => turns.release() };
  }

  /** `what` names the request in every failure (`PUT schedule s-1`), so a report says which call failed and why. */
  async send(what: string, request: WfmRequest, call: WfmCall = {}): Promise<WfmAnswer> {
    const { signal, counts } = call;
    const authorize = request.authorize ?? true;
    let renewed = false;
    let throttled: { sinceMs: number; refusals: number } | undefined;
    for (;;) {
      const token = !authorize
        ? ''
        : renewed
          ? await this.options.tokens.renew()
          : await this.options.tokens.token();
      await (this.units.get(call) ?? this.options.rate)?.acquire(signal);
      // The timeout starts when the request is sent, not while it waits for its turn.
      const timeout = AbortSignal.timeout(this.requestTimeoutMs);
      let res: Response;
      let bytes: Buffer | undefined;
      if (counts) counts.requests++;
      const span = this.options.tracer && this.startSpan(this.options.tracer, request, authorize);
      const sentAtMs = performance.now();
      try {
        res = await fetch(request.url, {
          method: request.method,
          headers: {
            ...request.headers,
            ...(authorize ? { authorization: `Bearer ${token}` } : {}),
            accept: 'application/json',
            'user-agent': this.userAgent,
          },
          body: request.body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          // A redirect is never followed: it would send the document (agents, shifts) and the token elsewhere, or
          // replay a write against another schedule.
          redirect: 'manual',
        });
        bytes = await readBytesCapped(res, this.maxResponseBytes);
      } catch (err) {
        this.options.rate?.lost();
        this.options.metrics?.requestEnded('network', (performance.now() - sentAtMs) / 1000);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: 'no answer' });
        span?.setAttribute('error.type', signal?.aborted ? 'cancelled' : 'network');
        span?.end();
        if (signal?.aborted) throw err; // Cancellation is never turned into a retryable failure.
        throw classifyNetworkFailure(what, err, request.url);
      }
      this.options.rate?.observe(res.status, res.headers);
      this.countAnswer(res, sentAtMs);
      if (span) this.endSpan(span, res);
      const text = bytes?.toString('utf8');
      const named = this.withCorrelation(what, res.headers);
      const unusable = unusableAnswer(
        named,
        res,
        text,
        this.maxResponseBytes,
        'the WFM must answer at its own URL',
      );
      if (unusable || text === undefined || bytes === undefined) throw unusable;
      const secrets = token ? [token] : [];
      if (res.ok) {
        const type = res.headers.get('content-type') ?? '';
        if ((request.json ?? true) && !/^application\/([\w.+-]*\+)?json\b/i.test(type))
          throw protocolViolation(named, `answer is not JSON (content-type ${JSON.stringify(type)})`);
        return { status: res.status, text, bytes, headers: res.headers };
      }
      if (res.status === 401 && authorize && !renewed) {
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
          named,
          waitedMs,
          throttled.refusals,
          rate,
          serverMessage(429, text, secrets),
        );
      }
      throw classifyHttpFailure(named, res.status, res.headers, text, this.nowMs(), secrets, request.url);
    }
  }

  private countAnswer(res: Response, sentAtMs: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    metrics.requestEnded(res.status, (performance.now() - sentAtMs) / 1000);
    // What the rate controller pauses every request for (see RateEstimator.onAnswer).
    if (this.options.rate && (res.status === 429 || (res.status === 503 && res.headers.has('retry-after'))))
      metrics.retryAfterPause();
  }

  /** Only bounded, non-secret values: the route template, never the URL (IDs, a query, a signed URL's signature). */
  private startSpan(tracer: Tracer, request: WfmRequest, authorize: boolean): Span {
    const route = routeTemplate(request.url, !authorize);
    let host: { address: string; port: number } | undefined;
    try {
      const url = new URL(request.url);
      const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
      host = { address: url.hostname, port };
    } catch {
      host = undefined;
    }
    return tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'url.template': route,
        ...(host && { 'server.address': host.address, 'server.port': host.port }),
      },
    });
  }

  private endSpan(span: Span, res: Response): void {
    span.setAttribute('http.response.status_code', res.status);
    const header = this.options.correlationHeader;
    const id = header ? res.headers.get(header) : null;
    if (header && id) {
      span.setAttribute('wfm.correlation_id', id.slice(0, 64));
      span.setAttribute(`http.response.header.${header.toLowerCase()}`, [id.slice(0, 64)]);
    }
    // A client span fails on 4xx and 5xx (OpenTelemetry's HTTP conventions); a 409 or 429 is the WFM's answer, still.
    if (res.status >= 400) {
      span.setAttribute('error.type', String(res.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  private withCorrelation(what: string, headers: Headers): string {
    const header = this.options.correlationHeader;
    const id = header ? headers.get(header) : null;
    return id ? `${what} (${header} ${id.slice(0, 64)})` : what;
  }
}
