import { sleep } from '../../common/sleep';
import { readRateLimitHeaders, retryAfterMs } from './rate-limit-headers';

export interface AdaptiveRateOptions {
  /**
   * Hard cap, in requests per second (the operator's `WFM_RATE_LIMIT_PER_SECOND`). The controller uses at most 90 %
   * of it, as the fixed pacer did, so network jitter never bunches requests over it. Default: none.
   */
  readonly ceilingPerSecond?: number;
  /**
   * Send rate before anything is learned, in requests per second. Default 90 % of the ceiling when one is set
   * (the operator knows the limit), else 10: Genesys allows a client-credentials token 300 requests a minute, counted
   * per minute, so a first second at 10/s stays well inside its budget, and slow start doubles the rate every second
   * until the first throttle (a small push is not held back by a guess).
   */
  readonly initialPerSecond?: number;
  /** A `Retry-After` longer than this, in ms, is capped: one bad header must not stall the worker for a day. Default 10 minutes. */
  readonly maxPauseMs?: number;
  /** Injected in tests. Default `Date.now`. */
  readonly now?: () => number;
  /** Injected in tests. Default a timer that rejects when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called when the rate has moved 20 % or more since the last call, for the worker log. */
  readonly onRateChange?: (e: { ratePerSecond: number; reason: string }) => void;
  /** Called when a `Retry-After` above `maxPauseMs` was cut down to it. */
  readonly onPauseCapped?: (e: { askedMs: number; cappedMs: number }) => void;
}

export interface AdaptiveRateStats {
  /** Answers observed (a 429 counts too). */
  requests: number;
  /** Answers that were `429`. */
  throttled: number;
  ratePerSecond: number;
  /** No request goes before this time (epoch ms of the injected clock). */
  pausedUntilMs: number;
}

// Tuned with bench/rate-model.ts (600 requests against a 10/s token bucket, 20 concurrent callers per worker).
/** Share of the operator's ceiling used, as the fixed pacer did: spaced requests still arrive bunched by jitter. */
const HEADROOM = 0.9;
/** Share of a limit the server announces that is used: its `remaining` budget guards the rest. */
const ANNOUNCED_HEADROOM = 0.95;
/** Slow start multiplies the rate by this every second until the first throttle (1.5 and 2 model alike at scale). */
const SLOW_START_GROWTH_PER_SECOND = 2;
/** After a throttle the rate drops to this share of the rate the server was found to sustain. */
const BETA = 0.85;
/** Seconds the cubic takes to climb back to that rate; it flattens there, then probes beyond slowly. */
const CUBIC_RETURN_SECONDS = 16;
const CUBIC_SCALE = (1 - BETA) / CUBIC_RETURN_SECONDS ** 3;
/** Growth never takes the rate past this multiple of the measured send rate (an idle worker must not inflate it). */
const TX_CAP_FACTOR = 2;
const TX_BUCKET_MS = 500;
/** Weight of the newest half-second bucket in the smoothed send rate. */
const TX_SMOOTHING = 0.8;
/** Goodput since the last cut is trusted as the sustainable rate once measured over this long. */
const GOODPUT_MIN_WINDOW_MS = 1000;
/** Goodput is a floor on the limit (tokens wasted while below it) and the send rate a ceiling: lean towards goodput. */
const GOODPUT_TRUST = 0.25;
/** One congestion event never lowers the estimate below this share of the send rate: no collapse on a noisy window. */
const MAX_ESTIMATE_DROP = 0.7;
/**
 * The probe's scale is the best rate seen lately, halving every this many ms: a worker squeezed by another climbs
 * back at the shared scale, not at its own shrunken one.
 */
const PEAK_HALF_LIFE_MS = 30_000;
/** Refusals this many pause lengths after a pause ends still belong to its event (another client emptied the bucket). */
const EVENT_AFTER_PAUSE = 1;
/** A 429 without `Retry-After` pauses this long: Genesys's usual answer is `Retry-After: 1`. */
const DEFAULT_PAUSE_MS = 1000;
/** Never below one request every two seconds, so a run of throttles cannot stop the worker. */
const MIN_RATE = 0.5;
const REPORT_CHANGE = 0.2;

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  detach(): void;
}

/**
 * Finds and keeps the WFM's sustainable request rate for one worker process, which usually learns it only from
 * `429`s. Slow start, then on each congestion event a cut to `BETA` of the rate the server was seen to sustain and a
 * cubic climb that flattens just below it before probing beyond (AWS SDK adaptive mode, TCP CUBIC). Rate-limit
 * headers, when a server sends them, override the guessing. Callers `acquire()` a turn before each request (FIFO,
 * evenly spaced) and `observe()` every answer.
 */
export class AdaptiveRateController {
  private readonly ceiling: number;
  private readonly maxPauseMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private rate: number;
  private reportedRate: number;
  private slowStart = true;
  private lastGrowthMs: number | undefined;
  /** The sustainable rate found at the last congestion event, and when the climb back towards it began. */
  private wMax = 0;
  private curveStartMs = 0;
  private curveK = CUBIC_RETURN_SECONDS;
  private peak = 0;
  private peakAtMs = 0;
  private eventEndsMs = 0;
  private announcedPerSecond = Infinity;
  private pausedUntilMs = 0;
  private lastGrantMs = -Infinity;
  private firstGrantMs: number | undefined;
  /** What the server's headers still allow before their reset. */
  private budget: { left: number; resetAtMs: number } | undefined;
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private pumpSleep: { abort: AbortController; wakeAtMs: number } | undefined;
  private txBucketStartMs: number | undefined;
  private txCount = 0;
  private txRate: number | undefined;
  private goodSinceMs: number | undefined;
  private goodCount = 0;
  /** Answers still due for requests sent before the last cut: their throttles belong to that congestion event. */
  private inFlightAtCut = 0;
  private granted = 0;
  private answered = 0;
  private throttled = 0;

  constructor(private readonly options: AdaptiveRateOptions = {}) {
    const { ceilingPerSecond, initialPerSecond, maxPauseMs } = options;
    if (ceilingPerSecond !== undefined) positive('ceilingPerSecond', ceilingPerSecond);
    if (initialPerSecond !== undefined) positive('initialPerSecond', initialPerSecond);
    if (maxPauseMs !== undefined) positive('maxPauseMs', maxPauseMs);
    this.ceiling = ceilingPerSecond === undefined ? Infinity : ceilingPerSecond * HEADROOM;
    this.maxPauseMs = maxPauseMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    this.rate = Math.min(
      this.ceiling,
      initialPerSecond ?? (Number.isFinite(this.ceiling) ? this.ceiling : 10),
    );
    this.reportedRate = this.rate;
  }

  /** The send rate currently allowed, in requests per second (headers may space requests further). */
  get ratePerSecond(): number {
    this.updateRate(this.now());
    return this.rate;
  }

  stats(): AdaptiveRateStats {
    return {
      requests: this.answered,
      throttled: this.throttled,
      ratePerSecond: this.ratePerSecond,
      pausedUntilMs: this.pausedUntilMs,
    };
  }

  /** Waits for this request's turn: in call order, evenly spaced at the current rate, never during a pause. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0) this.pumpSleep?.abort.abort();
        reject(signal?.reason);
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  /** Learns from one answer: throttles cut the rate and pause every caller, headers set the pace. */
  observe(status: number, headers: Headers): void {
    const now = this.now();
    this.answered++;
    this.updateRate(now);
    const sentBeforeCut = this.inFlightAtCut > 0;
    if (sentBeforeCut) this.inFlightAtCut--;
    if (status === 429) this.throttled++;
    const retryAfter = retryAfterMs(headers.get('retry-after'), now);
    if (status === 429 || (status === 503 && retryAfter !== undefined)) {
      // Answers to requests that were already on their way when the rate was cut tell nothing new.
      // So do refusals in the first moments after the pause: the bucket another client emptied, not a new excess.
      const sameEvent = sentBeforeCut || now < this.eventEndsMs;
      this.pauseFor(now, retryAfter ?? DEFAULT_PAUSE_MS);
      if (!sameEvent) this.cut(now, `throttled (${status})`);
    } else if (!sentBeforeCut && status < 500) {
      this.goodSinceMs ??= this.firstGrantMs ?? now;
      this.goodCount++;
    }
    this.readHeaders(now, headers);
    // New information may allow the next turn sooner than the pump planned.
    if (this.pumpSleep && this.nextSendAt(now) < this.pumpSleep.wakeAtMs) this.pumpSleep.abort.abort();
  }

  private readHeaders(now: number, headers: Headers): void {
    const info = readRateLimitHeaders(headers, now);
    if (!info) return;
    if (info.limit !== undefined && info.limit > 0) {
      // Without a named window, per second is the loosest reading (windows are whole seconds): a cap, not a target.
      this.announcedPerSecond = info.limit / ((info.windowMs ?? 1000) / 1000);
      const cap = this.cap();
      if (this.slowStart) this.setRate(cap, 'announced limit');
      else if (this.rate > cap) this.setRate(cap, 'announced limit');
    }
    if (info.remaining !== undefined && info.resetMs !== undefined) {
      // Requests still in flight were not counted in `remaining` yet.
      const inFlight = Math.max(0, this.granted - this.answered);
      this.budget = { left: info.remaining - inFlight, resetAtMs: now + info.resetMs };
    }
  }

  private pauseFor(now: number, askedMs: number): void {
    let ms = askedMs;
    if (ms > this.maxPauseMs) {
      ms = this.maxPauseMs;
      this.options.onPauseCapped?.({ askedMs, cappedMs: ms });
    }
    this.pausedUntilMs = Math.max(this.pausedUntilMs, now + ms);
  }

  /** One congestion event: remember what the server sustained, drop below it, and climb back after the pause. */
  private cut(now: number, reason: string): void {
    const goodWindowMs = this.goodSinceMs === undefined ? 0 : now - this.goodSinceMs;
    // Accepted requests over a stretch that ends in a refusal are what the server let through: a better measure of
    // its limit than the send rate, which a burst allowance lets overshoot for seconds before the first 429.
    const sent = Math.min(this.rate, this.txRate ?? Infinity);
    const goodput = goodWindowMs >= GOODPUT_MIN_WINDOW_MS ? (this.goodCount * 1000) / goodWindowMs : Infinity;
    const estimate = goodput >= sent ? sent : goodput + GOODPUT_TRUST * (sent - goodput);
    this.wMax = Math.max(MIN_RATE, estimate, MAX_ESTIMATE_DROP * sent);
    this.peak = Math.max(this.wMax, this.peak * 0.5 ** ((now - this.peakAtMs) / PEAK_HALF_LIFE_MS));
    this.peakAtMs = now;
    this.curveK = CUBIC_RETURN_SECONDS * Math.cbrt(this.wMax / this.peak);
    this.slowStart = false;
    this.curveStartMs = this.pausedUntilMs;
    this.eventEndsMs = this.pausedUntilMs + (this.pausedUntilMs - now) * EVENT_AFTER_PAUSE;
    // Measured from the refusal, pause included: the server refills during the pause what it lets through after.
    this.goodSinceMs = now;
    this.goodCount = 0;
    this.inFlightAtCut = Math.max(0, this.granted - this.answered);
    this.setRate(Math.max(MIN_RATE, Math.min(this.cap(), BETA * this.wMax)), reason);
  }

  private cap(): number {
    return Math.max(MIN_RATE, Math.min(this.ceiling, this.announcedPerSecond * ANNOUNCED_HEADROOM));
  }

  private updateRate(now: number): void {
    this.rollTx(now);
    let target: number;
    if (this.slowStart) {
      target = this.rate * SLOW_START_GROWTH_PER_SECOND ** ((now - (this.lastGrowthMs ?? now)) / 1000);
    } else {
      const t = (now - this.curveStartMs) / 1000 - this.curveK;
      target = this.wMax + this.peak * CUBIC_SCALE * t ** 3;
    }
    // Callers waiting means the rate is what holds the worker back. Nobody waiting: it sends what it has (idle, or
    // bound by its concurrency), so growth stops at twice the measured send rate and the climb waits (as Linux CUBIC
    // does when application-limited) instead of running ahead to a rate never tried.
    const demandLimited = this.waiters.length === 0 && this.txRate !== undefined;
    const txCap = demandLimited ? Math.max(MIN_RATE, TX_CAP_FACTOR * (this.txRate ?? 0)) : Infinity;
    if (!this.slowStart && target > txCap && this.lastGrowthMs !== undefined)
      this.curveStartMs += now - this.lastGrowthMs;
    this.lastGrowthMs = now;
    this.setRate(
      Math.min(this.cap(), Math.max(this.rate, Math.min(target, txCap))),
      this.slowStart ? 'slow start' : 'probing',
    );
  }

  private setRate(rate: number, reason: string): void {
    this.rate = rate;
    if (Math.abs(rate - this.reportedRate) >= REPORT_CHANGE * this.reportedRate) {
      this.reportedRate = rate;
      this.options.onRateChange?.({ ratePerSecond: Math.round(rate * 100) / 100, reason });
    }
  }

  /** Send rate in half-second buckets, smoothed; buckets touched by a pause are skipped (they measure the pause). */
  private rollTx(now: number): void {
    if (this.txBucketStartMs === undefined) {
      this.txBucketStartMs = now;
      return;
    }
    if (now - this.txBucketStartMs > 10 * TX_BUCKET_MS) {
      // Idle for a while: the worker is sending nothing, whatever it sent before.
      this.txRate = 0;
      this.txCount = 0;
      this.txBucketStartMs = now;
      return;
    }
    while (now - this.txBucketStartMs >= TX_BUCKET_MS) {
      if (this.pausedUntilMs <= this.txBucketStartMs) {
        const sample = (this.txCount * 1000) / TX_BUCKET_MS;
        this.txRate =
          this.txRate === undefined ? sample : TX_SMOOTHING * sample + (1 - TX_SMOOTHING) * this.txRate;
      }
      this.txCount = 0;
      this.txBucketStartMs += TX_BUCKET_MS;
    }
  }

  private nextSendAt(now: number): number {
    this.updateRate(now);
    const last = Number.isFinite(this.lastGrantMs) ? this.lastGrantMs : now - 1e9;
    let at = Math.max(this.pausedUntilMs, last + 1000 / this.rate);
    const budget = this.budget;
    if (budget && now >= budget.resetAtMs) this.budget = undefined;
    else if (budget && budget.left <= 0) at = Math.max(at, budget.resetAtMs);
    // Spread what the server still allows over the time to its reset, so it is never spent before then.
    else if (budget) at = Math.max(at, last + (budget.resetAtMs - last) / (budget.left + 1));
    return at;
  }

  private grant(now: number): void {
    this.rollTx(now);
    this.txCount++;
    this.granted++;
    this.lastGrantMs = now;
    this.firstGrantMs ??= now;
    if (this.budget) this.budget.left--;
  }

  /** Hands out turns one at a time; one loop per controller, so turns stay in call order. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const waiter = this.waiters[0];
        if (!waiter) return;
        const now = this.now();
        const at = this.nextSendAt(now);
        if (at <= now) {
          this.waiters.shift();
          waiter.detach();
          this.grant(now);
          waiter.resolve();
          continue;
        }
        const abort = new AbortController();
        this.pumpSleep = { abort, wakeAtMs: at };
        try {
          await this.sleep(at - now, abort.signal);
        } catch (err) {
          // Woken early on purpose: look again. Anything else is the sleep failing: nobody can be served.
          if (!abort.signal.aborted)
            for (const w of this.waiters.splice(0)) {
              w.detach();
              w.reject(err);
            }
        } finally {
          this.pumpSleep = undefined;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`Expected \`${name}\` to be a finite number > 0, got ${value}`);
}
