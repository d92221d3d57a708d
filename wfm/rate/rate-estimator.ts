import { readRateLimitHeaders, retryAfterMs } from './rate-limit-headers';

export interface RateEstimatorOptions {
  /**
   * Hard cap, in requests per second (the operator's `WFM_RATE_LIMIT_PER_SECOND`). The controller uses at most 90 %
   * of it, as the fixed pacer did, so network jitter never bunches requests over it. Default: none.
   */
  readonly ceilingPerSecond?: number;
  /**
   * Send rate before anything is learned, in requests per second. Default 90 % of the ceiling when one is set
   * (the operator knows the limit), else 10: Genesys allows a client-credentials token 300 requests a minute, counted
   * per minute, so a first second at 10/s stays well inside its budget, and slow start doubles the rate every round
   * trip until the first throttle (a small push is not held back by a guess).
   */
  readonly initialPerSecond?: number;
  /** A `Retry-After` longer than this, in ms, is capped: one bad header must not stall the worker for a day. Default 10 minutes. */
  readonly maxPauseMs?: number;
  /** Called when the rate has moved 20 % or more since the last call, for the worker log. */
  readonly onRateChange?: (e: { ratePerSecond: number; reason: string }) => void;
  /** Called when a `Retry-After` above `maxPauseMs` was cut down to it. */
  readonly onPauseCapped?: (e: { askedMs: number; cappedMs: number }) => void;
}

// Tuned with bench/rate-model.ts (600 requests against a 10/s token bucket, 20 concurrent callers per worker).
/** Share of the operator's ceiling used, as the fixed pacer did: spaced requests still arrive bunched by jitter. */
const HEADROOM = 0.9;
/** Share of a limit the server announces that is used: its `remaining` budget guards the rest. */
const ANNOUNCED_HEADROOM = 0.95;
/** Slow start multiplies the rate by this each round trip without a throttle (TCP: the window doubles per round). */
const SLOW_START_GROWTH_PER_ROUND = 2;
/** No rate ever goes above this multiple of the highest send rate the server was seen to accept (idle or not). */
const ACCEPTED_CAP_FACTOR = 2;
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

/**
 * One round trip, as TCP counts them: it ends when the first request sent after it began is answered. Answers are
 * matched to requests in sending order (close enough: a round only needs to last about one round trip).
 */
interface Round {
  startMs: number;
  /** When the last request of the round before was sent: the round's requests were sent after it. */
  sendStartMs: number;
  /** When the last request answered in this round was sent. */
  sendEndMs: number;
  /** The round ends once this many requests have been answered (or lost) since the estimator began. */
  endsAtSettled: number;
  accepted: number;
  throttled: boolean;
  /** The highest rate allowed during the round: no request went faster, whatever the answers' timing says. */
  peakRate: number;
}

/**
 * Finds and keeps the WFM's sustainable request rate for one worker process, which usually learns it only from
 * `429`s. Slow start doubles the rate each round trip, then on each congestion event a cut to `BETA` of the rate the
 * server was seen to sustain and a cubic climb that flattens just below it before probing beyond (AWS SDK adaptive
 * mode, TCP CUBIC). In every phase the rate stays within twice the highest send rate the server accepted over a round
 * (or the initial rate, before anything is learned): a quiet worker never talks itself into a rate it never tried.
 * Rate-limit headers, when a server sends them, cap the rate and ration the requests. It says how fast and when;
 * the turn queue (`AdaptiveRateController`) decides who goes.
 */
export class RateEstimator {
  private readonly ceiling: number;
  private readonly initial: number;
  private readonly maxPauseMs: number;
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
  /** The last cut's estimate came from goodput over a full window after slow start (or there was none): a floor may guard it. */
  private lastCutMeasured = true;
  private announcedPerSecond = Infinity;
  private pausedUntil = 0;
  /** What the server's headers still allow before their reset, less the turns handed out since. */
  private budget: { left: number; resetAtMs: number } | undefined;
  private txBucketStartMs: number | undefined;
  private txCount = 0;
  private txRate: number | undefined;
  private goodSinceMs: number | undefined;
  private goodCount = 0;
  private firstSendMs: number | undefined;
  /** Answers still due for requests sent before the last cut: their throttles belong to that congestion event. */
  private inFlightAtCut = 0;
  private round: Round | undefined;
  /** When each request still in flight was sent, oldest first (answers are matched to them in that order). */
  private readonly sendTimes: number[] = [];
  /** The highest send rate measured over a round in which the server accepted the requests. */
  private bestAccepted = 0;
  private sent = 0;
  /** Requests answered, or given up on without an answer. */
  private settled = 0;
  /** Turns handed out and not yet sent (units hold some) or given back. */
  private held = 0;
  private answered = 0;
  private throttled = 0;

  constructor(private readonly options: RateEstimatorOptions = {}) {
    const { ceilingPerSecond, initialPerSecond, maxPauseMs } = options;
    if (ceilingPerSecond !== undefined) positive('ceilingPerSecond', ceilingPerSecond);
    if (initialPerSecond !== undefined) positive('initialPerSecond', initialPerSecond);
    if (maxPauseMs !== undefined) positive('maxPauseMs', maxPauseMs);
    this.ceiling = ceilingPerSecond === undefined ? Infinity : ceilingPerSecond * HEADROOM;
    this.maxPauseMs = maxPauseMs ?? 10 * 60_000;
    this.initial = Math.min(
      this.ceiling,
      initialPerSecond ?? (Number.isFinite(this.ceiling) ? this.ceiling : 10),
    );
    this.rate = this.initial;
    this.reportedRate = this.rate;
  }

  /** No request goes before this time (epoch ms of the controller's clock): the server asked for a pause. */
  get pausedUntilMs(): number {
    return this.pausedUntil;
  }

  /** The highest send rate the server accepted over a round trip; the rate never exceeds twice it (or the initial). */
  get bestAcceptedPerSecond(): number {
    return this.bestAccepted;
  }

  counts(): { requests: number; throttled: number } {
    return { requests: this.answered, throttled: this.throttled };
  }

  /**
   * The send rate allowed at `now`, in requests per second. `waiting`: callers are queued for a turn, so the rate (not
   * the worker's own demand) holds the worker back and the climb may go on.
   */
  rateAt(now: number, waiting: boolean): number {
    this.rollTx(now);
    if (this.slowStart) {
      this.lastGrowthMs = now;
      return this.rate;
    }
    const t = (now - this.curveStartMs) / 1000 - this.curveK;
    const target = this.wMax + this.peak * CUBIC_SCALE * t ** 3;
    // Nobody waiting: the worker sends what it has (idle, or bound by its concurrency), so growth stops at twice the
    // measured send rate and the climb waits (as Linux CUBIC does when application-limited) instead of running ahead
    // to a rate never tried.
    const demandLimited = !waiting && this.txRate !== undefined;
    const txCap = demandLimited ? Math.max(MIN_RATE, TX_CAP_FACTOR * (this.txRate ?? 0)) : Infinity;
    if (target > txCap && this.lastGrowthMs !== undefined) this.curveStartMs += now - this.lastGrowthMs;
    this.lastGrowthMs = now;
    this.setRate(Math.max(this.rate, Math.min(target, txCap)), 'probing');
    return this.rate;
  }

  /**
   * The earliest time the server's own signals allow a turn: the end of a pause, and the reset of an announced budget
   * that is spent. `lastTurnMs` spreads what the budget still allows over the time to its reset.
   */
  allowedFrom(now: number, lastTurnMs: number): number {
    let at = this.pausedUntil;
    const budget = this.budget;
    if (budget && now >= budget.resetAtMs) this.budget = undefined;
    else if (budget && budget.left <= 0) at = Math.max(at, budget.resetAtMs);
    // Spread what the server still allows over the time to its reset, so it is never spent before then.
    else if (budget) at = Math.max(at, lastTurnMs + (budget.resetAtMs - lastTurnMs) / (budget.left + 1));
    return at;
  }

  /** `turns` requests may go from now on (a unit holds the ones it has not sent yet). */
  handOut(turns: number): void {
    this.held += turns;
    if (this.budget) this.budget.left -= turns;
  }

  /** Turns handed out that will never be sent. */
  giveBack(turns: number): void {
    this.held -= turns;
    if (this.budget) this.budget.left += turns;
  }

  /** One request of a turn handed out goes now. */
  onSend(now: number): void {
    this.rollTx(now);
    this.txCount++;
    this.held--;
    this.sent++;
    this.firstSendMs ??= now;
    this.sendTimes.push(now);
    this.round ??= this.newRound(now, now);
  }

  /** A request sent got no answer (timeout, reset, cancelled): it is no longer in flight. */
  onNoAnswer(now: number): void {
    if (this.inFlightAtCut > 0) this.inFlightAtCut--;
    this.settle();
    this.endRoundIfDue(now);
  }

  /**
   * Learns from one answer: throttles cut the rate and pause every caller, headers set the pace. `waiting`: callers
   * are queued, so the worker was sending at the rate (not below it, for want of work).
   */
  onAnswer(now: number, status: number, headers: Headers, waiting: boolean): void {
    this.answered++;
    this.settle();
    this.rollTx(now);
    const sentBeforeCut = this.inFlightAtCut > 0;
    if (sentBeforeCut) this.inFlightAtCut--;
    if (status === 429) this.throttled++;
    const retryAfter = retryAfterMs(headers.get('retry-after'), now);
    const refused = status === 429 || (status === 503 && retryAfter !== undefined);
    if (refused) {
      if (this.round) this.round.throttled = true;
      // Answers to requests that were already on their way when the rate was cut tell nothing new.
      // So do refusals in the first moments after the pause: the bucket another client emptied, not a new excess.
      const sameEvent = sentBeforeCut || now < this.eventEndsMs;
      this.pauseFor(now, retryAfter ?? DEFAULT_PAUSE_MS);
      if (!sameEvent) this.cut(now, `throttled (${status})`, waiting);
    } else {
      if (this.round) this.round.accepted++;
      if (!sentBeforeCut && status < 500) {
        this.goodSinceMs ??= this.firstSendMs ?? now;
        this.goodCount++;
      }
    }
    this.readHeaders(now, headers);
    this.endRoundIfDue(now);
  }

  private settle(): void {
    this.settled++;
    const sentAt = this.sendTimes.shift();
    if (this.round && sentAt !== undefined) this.round.sendEndMs = Math.max(this.round.sendEndMs, sentAt);
  }

  /**
   * At the end of a round: the send rate the server accepted over it, measured over the longer of the time its
   * answers took and the time its requests took to send (BBR's delivery rate; answers bunched by the network do not
   * make a rate that nobody sent at). Slow start doubles that.
   */
  private endRoundIfDue(now: number): void {
    const round = this.round;
    if (!round || this.settled < round.endsAtSettled) return;
    const ms = Math.max(now - round.startMs, round.sendEndMs - round.sendStartMs);
    if (ms > 0 && round.accepted > 0) {
      const accepted = Math.min((round.accepted * 1000) / ms, round.peakRate);
      this.bestAccepted = Math.max(this.bestAccepted, accepted);
      if (this.slowStart && !round.throttled)
        this.setRate(Math.max(this.rate, SLOW_START_GROWTH_PER_ROUND * accepted), 'slow start');
    }
    this.round = this.newRound(now, round.sendEndMs);
  }

  private newRound(now: number, sendStartMs: number): Round {
    return {
      startMs: now,
      sendStartMs,
      sendEndMs: sendStartMs,
      endsAtSettled: this.sent + 1,
      accepted: 0,
      throttled: false,
      peakRate: this.rate,
    };
  }

  private readHeaders(now: number, headers: Headers): void {
    const info = readRateLimitHeaders(headers, now);
    if (!info) return;
    if (info.limit !== undefined && info.limit > 0) {
      // Without a named window, per second is the loosest reading (windows are whole seconds): a cap, not a target.
      this.announcedPerSecond = info.limit / ((info.windowMs ?? 1000) / 1000);
      // In slow start, the announced limit is where the climb ends: go straight to it, as far as the accepted cap lets.
      if (this.slowStart || this.rate > this.cap()) this.setRate(this.cap(), 'announced limit');
    }
    if (info.remaining !== undefined && info.resetMs !== undefined) {
      // Requests still in flight, and turns handed out but not sent, were not counted in `remaining` yet.
      const owed = Math.max(0, this.sent - this.settled) + Math.max(0, this.held);
      this.budget = { left: info.remaining - owed, resetAtMs: now + info.resetMs };
    }
  }

  private pauseFor(now: number, askedMs: number): void {
    let ms = askedMs;
    if (ms > this.maxPauseMs) {
      ms = this.maxPauseMs;
      this.options.onPauseCapped?.({ askedMs, cappedMs: ms });
    }
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
  }

  /** One congestion event: remember what the server sustained, drop below it, and climb back after the pause. */
  private cut(now: number, reason: string, waiting: boolean): void {
    const goodWindowMs = this.goodSinceMs === undefined ? 0 : now - this.goodSinceMs;
    // Accepted requests over a stretch that ends in a refusal are what the server let through: a better measure of
    // its limit than the send rate, which a burst allowance lets overshoot for seconds before the first 429.
    // With callers queued the worker sends at the rate; otherwise at what it has, as measured (noisy at low rates).
    // In slow start, the rate: the half-second buckets lag a ramp, and a worker that starts after another (and meets
    // a bucket the other emptied) must not take its first second's trickle for the limit.
    const sent = waiting || this.slowStart ? this.rate : Math.min(this.rate, this.txRate ?? Infinity);
    const measured = goodWindowMs >= GOODPUT_MIN_WINDOW_MS;
    let estimate: number;
    if (this.slowStart) {
      // Slow start ramps in round trips, so its first refusal may come well within a second, with the server's burst
      // allowance still in the goodput: trust it as far as it goes, never below the initial rate (another client may
      // have emptied the bucket before the first answer).
      const goodput = (this.goodCount * 1000) / Math.max(1, goodWindowMs);
      estimate = Math.max(Math.min(goodput, sent), Math.min(sent, this.initial));
    } else {
      const goodput = measured ? (this.goodCount * 1000) / goodWindowMs : Infinity;
      // After a cut on a short window the send rate may be far above the limit: the goodput alone is the measure.
      const trust = this.lastCutMeasured ? GOODPUT_TRUST : 0;
      estimate = goodput >= sent ? sent : goodput + trust * (sent - goodput);
    }
    // The floor guards a sustained rate against one noisy window. A rate found over a short window guards only what
    // any worker may assume (the initial rate): a worker that started after another, and found the bucket emptied,
    // keeps a fair start.
    const guarded = this.lastCutMeasured ? sent : Math.min(sent, this.initial);
    this.wMax = Math.max(MIN_RATE, estimate, MAX_ESTIMATE_DROP * guarded);
    // A rate found over a short window (slow start's exit) is no scale for the probe: it held a burst allowance, and
    // a worker that kept it would out-climb the others for a minute.
    const lastPeak = this.lastCutMeasured
      ? this.peak * 0.5 ** ((now - this.peakAtMs) / PEAK_HALF_LIFE_MS)
      : 0;
    this.peak = Math.max(this.wMax, lastPeak);
    // Slow start's goodput holds the server's burst allowance however long the ramp took: never a trusted measure.
    const trusted = measured && !this.slowStart;
    this.lastCutMeasured = trusted;
    this.peakAtMs = now;
    this.curveK = CUBIC_RETURN_SECONDS * Math.cbrt(this.wMax / this.peak);
    this.slowStart = false;
    this.curveStartMs = this.pausedUntil;
    // After a cut on a short window, the first refusals after the pause measure the limit over a full window at last.
    this.eventEndsMs = this.pausedUntil + (trusted ? (this.pausedUntil - now) * EVENT_AFTER_PAUSE : 0);
    // Measured from the refusal, pause included: the server refills during the pause what it lets through after.
    this.goodSinceMs = now;
    this.goodCount = 0;
    this.inFlightAtCut = Math.max(0, this.sent - this.settled);
    this.setRate(BETA * this.wMax, reason);
  }

  /** The most the rate may be: the operator's ceiling, the announced limit, twice what the server ever accepted. */
  private cap(): number {
    const accepted = Math.max(this.initial, ACCEPTED_CAP_FACTOR * this.bestAccepted);
    return Math.max(MIN_RATE, Math.min(this.ceiling, this.announcedPerSecond * ANNOUNCED_HEADROOM, accepted));
  }

  private setRate(wanted: number, reason: string): void {
    const rate = Math.max(MIN_RATE, Math.min(this.cap(), wanted));
    this.rate = rate;
    if (this.round) this.round.peakRate = Math.max(this.round.peakRate, rate);
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
      if (this.pausedUntil <= this.txBucketStartMs) {
        const sample = (this.txCount * 1000) / TX_BUCKET_MS;
        this.txRate =
          this.txRate === undefined ? sample : TX_SMOOTHING * sample + (1 - TX_SMOOTHING) * this.txRate;
      }
      this.txCount = 0;
      this.txBucketStartMs += TX_BUCKET_MS;
    }
  }
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`Expected \`${name}\` to be a finite number > 0, got ${value}`);
}
